package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eval runs on the Lambda build with the stack's bucket (moto's S3) as the store: the Evals API starts an execution
 * of the eval state machine (moto's Step Functions API), and the state machine's steps, rendered from
 * {@code template.yaml}'s {@code EvalStateMachine} as Step Functions renders them, are handed to the packaged
 * function under Lambda's runtime client (moto cannot run the state machine itself: see BatchStateMachineIT).
 */
class EvalStateMachineIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "moa-eval-test";

    @AutoClose
    private static MotoStack aws;
    @AutoClose
    private static FakeUpstream upstream;
    private static TestStore store;
    @AutoClose
    private static PackagedFunction function;
    private static StateMachineSteps steps;

    @BeforeAll
    static void start() throws Exception {
        aws = MotoStack.start(BUCKET);
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-eval-sfn-store"), upstream.baseUrl());
        store.mix("quiz-mix", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", "
                + "\"model\": \"qagg\"}]}]}");
        steps = aws.stateMachine("EvalStateMachine", "moa-it-eval", Map.of(), () -> function);
        function = startFunction();
    }

    /** A fresh function process (a cold start): what it knows is what the bucket holds. */
    private static PackagedFunction startFunction() {
        PackagedFunction started = aws.function(store)
                .environment("MOA_EVAL_STATE_MACHINE", steps.arn())
                .start();
        started.initDuration();
        return started;
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        EvalsApiTest.scriptModels(upstream);
    }

    @Test
    void aRunCompletesThroughTheRenderedStepsEachItemOnceAcrossARestart() throws Exception {
        String evalId = createEval();
        JsonNode created = createRun(evalId);
        String runId = created.path("id").asText();
        assertEquals("queued", created.path("status").asText(), created.toString());
        assertTrue(aws.s3().headObject(head -> head.bucket(BUCKET).key("evals/items/" + runId + ".jsonl"))
                .contentLength() > 0, "the run's items are in the bucket, where the Map's ItemReader reads them");

        ExecutionListItem execution = steps.execution(runId);
        JsonNode executionInput = steps.input(execution);
        assertEquals(evalId, executionInput.path("eval_id").asText());
        assertEquals(runId, executionInput.path("run_id").asText());
        assertEquals(BUCKET, executionInput.path("bucket").asText());
        assertEquals(List.of(), upstream.requests(), "nothing is evaluated in the request's process");

        JsonNode context = steps.context(runId);
        JsonNode state = steps.prepare(executionInput, context);
        assertTrue(state.path("max_concurrency").isInt(), "a number, as MaxConcurrencyPath needs");
        state = steps.task("Open", state, context);
        assertEquals(200, state.at("/open/status").asInt(), state.toString());
        assertTrue(state.at("/open/answer/run").asBoolean(), state.toString());
        assertEquals("in_progress", run(evalId, runId).path("status").asText());

        List<JsonNode> items = steps.mapItems("Items", state, context);
        assertEquals(EvalsApiTest.ANSWERS.size(), items.size());
        assertEquals(items.get(2).path("item").path("question").asText(),
                List.copyOf(EvalsApiTest.ANSWERS.keySet()).get(2));

        // Three items, then the function's process goes away (a new instance takes the next invocations).
        for (JsonNode item : items.subList(0, 3)) {
            assertEquals(200, itemTask(item).path("status").asInt());
        }
        JsonNode halfway = run(evalId, runId);
        assertEquals("in_progress", halfway.path("status").asText());
        assertEquals(3, halfway.at("/result_counts/passed").asInt(), "the counts grow while it runs: " + halfway);
        function.close();
        function = startFunction();

        // The Map redriven after the restart hands every item again: the three stored ones are not evaluated twice.
        for (JsonNode item : items) {
            assertEquals(200, itemTask(item).path("status").asInt());
        }
        assertEquals(items.size(), upstream.requests("qagg").size(), "each item sampled exactly once");
        assertEquals(2 * items.size(), upstream.requests("judge").size(), "two model graders per item, once");

        JsonNode finished = steps.task("Finish", state, context);
        assertEquals(200, finished.at("/finish/status").asInt(), finished.toString());
        // A retried finish step changes nothing.
        assertEquals(200, steps.task("Finish", state, context).at("/finish/status").asInt());

        JsonNode done = run(evalId, runId);
        assertEquals("completed", done.path("status").asText(), done.toString());
        assertEquals(6, done.at("/result_counts/total").asInt());
        assertEquals(6, done.at("/result_counts/passed").asInt(), done.toString());
        assertEquals(0, done.at("/result_counts/failed").asInt());
        assertEquals(0, done.at("/result_counts/errored").asInt());
        for (JsonNode criterion : done.path("per_testing_criteria_results")) {
            assertEquals(6, criterion.path("passed").asInt(), criterion.toString());
        }
        Map<String, Integer> calls = new java.util.HashMap<>();
        done.path("per_model_usage").forEach(u -> calls.put(u.path("used_for").asText() + ":"
                + u.path("model_name").asText(), u.path("invocation_count").asInt()));
        assertEquals(Map.of("sample:quiz-mix", 6, "grader:fake/judge", 12), calls);
        assertTrue(done.path("report_url").asText().endsWith("/v1/evals/" + evalId + "/report"));

        List<String> outputKeys = aws.s3()
                .listObjectsV2(list -> list.bucket(BUCKET).prefix("evals/outputs/" + runId + "/"))
                .contents().stream().map(S3Object::key).toList();
        assertEquals(6, outputKeys.size(), outputKeys.toString());
        HttpApiResponse outputs = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId + "/output_items", Map.of("proxy", evalId + "/runs/" + runId
                        + "/output_items")));
        assertEquals(200, outputs.statusCode(), outputs.body());
        JsonNode page = outputs.json(JSON);
        assertEquals(6, page.path("data").size());
        for (int i = 0; i < 6; i++) {
            JsonNode output = page.path("data").path(i);
            assertEquals(i, output.path("datasource_item_id").asInt());
            assertEquals("pass", output.path("status").asText());
            assertEquals(List.copyOf(EvalsApiTest.ANSWERS.values()).get(i),
                    output.at("/sample/output/0/content").asText());
        }
    }

    @Test
    void aCanceledRunStopsItsExecutionAndStartsNoItem() throws Exception {
        String evalId = createEval();
        String runId = createRun(evalId).path("id").asText();
        ExecutionListItem execution = steps.execution(runId);
        JsonNode context = steps.context(runId);
        JsonNode state = steps.task("Open", steps.prepare(steps.input(execution), context), context);
        List<JsonNode> items = steps.mapItems("Items", state, context);

        HttpApiResponse canceled = function.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        assertEquals(200, canceled.statusCode(), canceled.body());
        assertEquals("canceled", canceled.json(JSON).path("status").asText());
        assertEquals(ExecutionStatus.ABORTED, steps.status(execution));

        // A Map item already on its way when the execution stopped starts nothing.
        JsonNode item = itemTask(items.get(0));
        assertEquals(200, item.path("status").asInt());
        assertEquals(List.of(), upstream.requests(), "the canceled run evaluated no item");
        assertEquals("canceled", run(evalId, runId).path("status").asText());
    }

    @Test
    void theInternalRoutesRefuseEventsTheStateMachineDidNotWrite() {
        for (String step : List.of("open", "item", "finish")) {
            HttpApiResponse viaApi = function.call(HttpApiEvent.postJson("/internal/eval/" + step,
                    "{\"eval_id\": \"eval_x\", \"run_id\": \"evalrun_x\", \"index\": 0}"));
            assertEquals(404, viaApi.statusCode(), viaApi.body());
            assertEquals("unknown_url", viaApi.json(JSON).at("/error/code").asText());
        }
    }

    private static String createEval() {
        HttpApiResponse created = function.call(HttpApiEvent.postJson("/v1/evals", EvalsApiTest.evalBody()
                .toString()));
        assertEquals(201, created.statusCode(), created.body());
        return created.json(JSON).path("id").asText();
    }

    private static JsonNode createRun(String evalId) {
        ObjectNode body = JSON.createObjectNode().put("name", "the mix on AWS");
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", "quiz-mix");
        source.putObject("source").put("type", "file_content").set("content", EvalsApiTest.items());
        source.set("input_messages", EvalsApiTest.template());
        HttpApiResponse created = function.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs", Map.of("proxy", evalId + "/runs"))
                .withHeader("content-type", "application/json").withBody(body.toString()));
        assertEquals(201, created.statusCode(), created.body());
        return created.json(JSON);
    }

    private static JsonNode run(String evalId, String runId) {
        HttpApiResponse read = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        assertEquals(200, read.statusCode(), read.body());
        return read.json(JSON);
    }

    private static JsonNode itemTask(JsonNode item) {
        return steps.item("Item", item, steps.context("item-child"));
    }
}
