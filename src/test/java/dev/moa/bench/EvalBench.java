package dev.moa.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.MotoStack;
import dev.moa.testing.lambda.PackagedFunction;
import dev.moa.testing.lambda.StateMachineSteps;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The eval run's cost on AWS beside a batch's (run by {@code bench/run.sh}, never by {@code ./mvnw verify}): the
 * packaged function with moto's S3 as the store, the steps of {@code template.yaml}'s {@code EvalStateMachine} and
 * {@code BatchStateMachine} played one invocation after another (one warm instance: Step Functions would run up to
 * {@code BatchMaxConcurrency} at once), the same {@value #ITEMS} prompts through the same mix of instant fake models.
 * Measures the wall time from the API request to the finished run, each item's invocation, and the function
 * process's own CPU per item. Writes {@code target/bench/evals.md}.
 */
class EvalBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITEMS = Integer.getInteger("moa.bench.eval.items", 1000);
    private static final int WARMUP_ITEMS = Integer.getInteger("moa.bench.eval.warmup", 200);
    private static final String BUCKET = "moa-bench";
    private static final long CLOCK_TICKS = 100;

    @AutoClose
    private static MotoStack aws;
    @AutoClose
    private static FakeUpstream upstream;
    @AutoClose
    private static PackagedFunction function;
    private static StateMachineSteps evalSteps;
    private static StateMachineSteps batchSteps;
    private static final StringBuilder report = new StringBuilder();

    @BeforeAll
    static void start() throws Exception {
        aws = MotoStack.start(BUCKET);
        upstream = new FakeUpstream();
        upstream.script("agg", new FakeUpstream.Computed(body -> new FakeUpstream.Answer("yes", "stop")));
        TestStore store = new TestStore(Files.createTempDirectory("moa-eval-bench"), upstream.baseUrl());
        store.mix("duo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", "
                + "\"model\": \"agg\"}]}]}");
        evalSteps = aws.stateMachine("EvalStateMachine", "moa-bench-eval", Map.of(), () -> function);
        batchSteps = aws.stateMachine("BatchStateMachine", "moa-bench-batch",
                Map.of("ToleratedFailurePercentage", "100"), () -> function);
        function = aws.function(store)
                .environment("MOA_BATCH_STATE_MACHINE", batchSteps.arn())
                .environment("MOA_EVAL_STATE_MACHINE", evalSteps.arn())
                .start();
        function.initDuration();
    }

    /** What one path cost: wall time of the whole run, and per item its invocation and the function's CPU. */
    private record Run(double wallMs, List<Double> itemMs, double cpuMsPerItem, String status) {
    }

    @Test
    void benchmark() throws Exception {
        line("# Eval runs on the state machine's steps beside batches");
        line("");
        line("- date: " + Instant.now());
        line("- machine: " + Runtime.getRuntime().availableProcessors() + " cores (nproc), shared with other builds;"
                + " load average at start: " + loadAverage());
        line("- " + ITEMS + " items (one user message each) through mix duo (2 proposers + aggregator, fake models "
                + "answering at once), S3 = moto on loopback, one warm instance invoked one step at a time; warm-up: "
                + WARMUP_ITEMS + " items of each path first");
        line("");
        evalRun(WARMUP_ITEMS);
        batchRun(WARMUP_ITEMS);
        Run batch = batchRun(ITEMS);
        Run eval = evalRun(ITEMS);
        line("| path | items | status | wall time, request to finished (s) | per item p50 (ms) | per item p95 (ms) "
                + "| function CPU per item (ms) |");
        line("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
        row("batch (state machine steps)", batch);
        row("eval run (state machine steps)", eval);
        line("");
        line(String.format(Locale.ROOT, "- eval / batch: wall time %.2f×, per item p50 %.2f×, CPU per item %.2f×",
                eval.wallMs() / batch.wallMs(), p(eval.itemMs(), 50) / p(batch.itemMs(), 50),
                eval.cpuMsPerItem() / batch.cpuMsPerItem()));
        line("- load average at end: " + loadAverage());
        Path out = Path.of(System.getProperty("moa.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("evals.md"), report.toString());
    }

    private Run evalRun(int items) throws Exception {
        HttpApiResponse eval = function.call(HttpApiEvent.postJson("/v1/evals", """
                {"name": "bench", "data_source_config": {"type": "custom", "item_schema": {"type": "object",
                  "properties": {"q": {"type": "string"}}, "required": ["q"]}},
                 "testing_criteria": [{"type": "string_check", "name": "yes", "input": "{{sample.output_text}}",
                  "reference": "yes", "operation": "eq"}]}"""));
        assertEquals(201, eval.statusCode(), eval.body());
        String evalId = eval.json(JSON).path("id").asText();
        ObjectNode body = JSON.createObjectNode();
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", "duo");
        ArrayNode content = source.putObject("source").put("type", "file_content").putArray("content");
        for (int i = 0; i < items; i++) {
            content.addObject().putObject("item").put("q", "question " + i);
        }
        source.set("input_messages", JSON.readTree("""
                {"type": "template", "template": [{"role": "user", "content": "{{item.q}}"}]}"""));

        long cpuBefore = cpuTicks();
        long started = System.nanoTime();
        HttpApiResponse created = function.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs", Map.of("proxy", evalId + "/runs"))
                .withHeader("content-type", "application/json").withBody(body.toString()));
        assertEquals(201, created.statusCode(), created.body());
        String runId = created.json(JSON).path("id").asText();
        ObjectNode input = JSON.createObjectNode().put("eval_id", evalId).put("run_id", runId).put("bucket", BUCKET);
        List<Double> itemMs = playSteps(evalSteps, input, "Items", "Item", runId);
        double wallMs = (System.nanoTime() - started) / 1e6;
        double cpuMs = (cpuTicks() - cpuBefore) * 1000.0 / CLOCK_TICKS / items;
        HttpApiResponse run = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        JsonNode finished = run.json(JSON);
        assertEquals(items, finished.at("/result_counts/passed").asInt(), finished.toString());
        return new Run(wallMs, itemMs, cpuMs, finished.path("status").asText());
    }

    private Run batchRun(int lines) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            jsonl.append("{\"custom_id\": \"c").append(i).append("\", \"method\": \"POST\", \"url\": "
                    + "\"/v1/chat/completions\", \"body\": {\"model\": \"duo\", \"messages\": [{\"role\": \"user\", "
                    + "\"content\": \"question ").append(i).append("\"}]}}\n");
        }
        HttpApiResponse uploaded = function.call(upload(jsonl.toString()));
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        String fileId = uploaded.json(JSON).path("id").asText();

        long cpuBefore = cpuTicks();
        long started = System.nanoTime();
        HttpApiResponse created = function.call(HttpApiEvent.postJson("/v1/batches", "{\"input_file_id\": \""
                + fileId + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}"));
        assertEquals(200, created.statusCode(), created.body());
        String batchId = created.json(JSON).path("id").asText();
        ObjectNode input = JSON.createObjectNode().put("batch_id", batchId).put("bucket", BUCKET);
        List<Double> lineMs = playSteps(batchSteps, input, "Lines", "Line", batchId);
        double wallMs = (System.nanoTime() - started) / 1e6;
        double cpuMs = (cpuTicks() - cpuBefore) * 1000.0 / CLOCK_TICKS / lines;
        HttpApiResponse read = function.call(HttpApiEvent.route("GET /v1/batches/{id}", "/v1/batches/" + batchId,
                Map.of("id", batchId)));
        JsonNode batch = read.json(JSON);
        assertEquals(lines, batch.at("/request_counts/completed").asInt(), batch.toString());
        return new Run(wallMs, lineMs, cpuMs, batch.path("status").asText());
    }

    /** Prepare, Open, every Map item in order, Finish: the execution as Step Functions would run it. */
    private static List<Double> playSteps(StateMachineSteps steps, JsonNode executionInput, String map,
                                          String item, String name) {
        JsonNode context = steps.context(name);
        JsonNode state = steps.task("Open", steps.prepare(executionInput, context), context);
        assertEquals(200, state.at("/open/status").asInt(), state.toString());
        List<Double> times = new ArrayList<>();
        for (JsonNode selected : steps.mapItems(map, state, context)) {
            JsonNode parameters = steps.parameters(item, selected, context);
            long t = System.nanoTime();
            JsonNode payload = steps.invoke(parameters.path("Payload"));
            times.add((System.nanoTime() - t) / 1e6);
            assertEquals(200, payload.path("statusCode").asInt(), payload.toString());
        }
        JsonNode finished = steps.task("Finish", state, context);
        assertEquals(200, finished.at("/finish/status").asInt(), finished.toString());
        return times;
    }

    private static HttpApiEvent upload(String content) {
        String boundary = "moa-bench-boundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.jsonl\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
        HttpApiEvent event = HttpApiEvent.of("POST", "/v1/files")
                .withHeader("content-type", "multipart/form-data; boundary=" + boundary);
        return new HttpApiEvent(event.method(), event.routeKey(), event.path(), event.pathParameters(),
                event.headers(), Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)), true);
    }

    private static void row(String path, Run run) {
        line(String.format(Locale.ROOT, "| %s | %d | %s | %.1f | %.1f | %.1f | %.1f |", path, run.itemMs().size(),
                run.status(), run.wallMs() / 1000, p(run.itemMs(), 50), p(run.itemMs(), 95), run.cpuMsPerItem()));
    }

    /** Nearest rank. */
    private static double p(List<Double> samples, int percentile) {
        List<Double> sorted = samples.stream().sorted().toList();
        return sorted.get(Math.max(0, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1));
    }

    private static long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(function.process().process().pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static String loadAverage() throws IOException {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return parts[0] + " " + parts[1] + " " + parts[2];
    }

    private static void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }
}
