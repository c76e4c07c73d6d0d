package dev.moa.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import dev.moa.testing.lambda.PackagedFunction;
import dev.moa.testing.server.ServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time to first token (run by {@code bench/run.sh}, never by {@code ./mvnw verify}): a paper-shaped mix (3 layers,
 * 6 proposers in each of the first two, simulated proposer latency) whose simulated aggregator streams its tokens
 * at a set rate. On the server build (streaming; chat, Messages and Responses APIs) and on the Lambda build under
 * the runtime interface client (buffered, chat), for contrast. The overhead subtracts what the simulated models
 * themselves took, from the upstream's own timestamps: the proposer layers' critical path plus the aggregator's own
 * first-token (or last-token) time.
 * Writes {@code target/bench/streaming.md}.
 */
class StreamingBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROPOSER_MS = intProperty("moa.bench.stream.proposer-ms", 300);
    private static final int TOKENS = intProperty("moa.bench.stream.tokens", 40);
    private static final int TOKEN_MS = intProperty("moa.bench.stream.token-ms", 20);
    private static final int JIT_WARMUP = intProperty("moa.bench.stream.jit.warmup", 300);
    private static final int WARMUP = intProperty("moa.bench.warmup", 10);
    private static final int MEASURED = intProperty("moa.bench.requests", 30);
    private static final String MIX = "paper";
    private static final String INSTANT = "instant";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static FakeUpstream upstream;
    private static TestStore store;
    private static final StringBuilder report = new StringBuilder();

    @BeforeAll
    static void setUp() throws Exception {
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-stream-bench"), upstream.baseUrl());
        store.mix(MIX, mix(3, 6));
        store.mix(INSTANT, mix(2, 2));
    }

    @AfterAll
    static void tearDown() {
        if (upstream != null) {
            upstream.close();
        }
    }

    private static String mix(int layers, int agents) {
        StringBuilder json = new StringBuilder("{\"layers\": [");
        for (int layer = 1; layer <= layers; layer++) {
            json.append(layer > 1 ? "," : "").append("{\"agents\": [");
            int count = layer == layers ? 1 : agents;
            for (int agent = 1; agent <= count; agent++) {
                json.append(agent > 1 ? "," : "").append("{\"provider\": \"fake\", \"model\": \"")
                        .append(layers).append("-l").append(layer).append("-a").append(agent).append("\"}");
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }

    /** Scripts the simulated models: proposers answer after {@code proposerMs}; the aggregator streams. */
    private static void script(int layers, int agents, int proposerMs, int tokens, int tokenMs) {
        for (int layer = 1; layer < layers; layer++) {
            for (int agent = 1; agent <= agents; agent++) {
                upstream.script(layers + "-l" + layer + "-a" + agent, FakeUpstream.Slow.millis(proposerMs));
            }
        }
        List<String> deltas = new ArrayList<>();
        for (int i = 0; i < tokens; i++) {
            deltas.add("tok" + i + " ");
        }
        upstream.script(layers + "-l" + layers + "-a1", new FakeUpstream.Streamed(deltas, Duration.ofMillis(tokenMs),
                FakeUpstream.Ending.DONE, null));
    }

    /** What the simulated models took in one request, from the upstream's timestamps. */
    private record ModelTime(long proposerCriticalNanos, long aggregatorFirstNanos, long aggregatorLastNanos) {
        static ModelTime of(List<FakeUpstream.Recorded> calls, int layers) {
            long critical = 0;
            for (int layer = 1; layer < layers; layer++) {
                String prefix = layers + "-l" + layer + "-";
                critical += calls.stream().filter(c -> c.model().startsWith(prefix))
                        .mapToLong(c -> c.endNanos() - c.startNanos()).max().orElseThrow();
            }
            FakeUpstream.Recorded aggregator = calls.stream().filter(c -> c.model().equals(layers + "-l" + layers + "-a1"))
                    .findFirst().orElseThrow();
            return new ModelTime(critical, aggregator.firstDeltaNanos() - aggregator.startNanos(),
                    aggregator.endNanos() - aggregator.startNanos());
        }
    }

    /** One request's client-side times (ms) and the overheads over the models' own time (ms). */
    private record Sample(double ttft, double last, double firstOverhead, double lastOverhead) {
    }

    @Test
    void benchmark() throws Exception {
        line("# Streaming benchmark results (time to first token)");
        line("");
        line("- date: " + Instant.now());
        line("- machine: " + Runtime.getRuntime().availableProcessors() + " cores (nproc), load average at start: "
                + loadAverage());
        line("- mix: 3 layers (6 + 6 proposers, each answering after " + PROPOSER_MS + " ms), aggregator streaming "
                + TOKENS + " tokens " + TOKEN_MS + " ms apart; " + JIT_WARMUP + " JIT warm-up requests, then "
                + WARMUP + " warm-up and " + MEASURED + " measured requests per build");
        line("");
        line("| build | TTFT p50 | TTFT p95 | first-token overhead p50 | p95 | last token p50 | last-token overhead p50 | p95 |");
        line("|---|---|---|---|---|---|---|---|");
        try (ServerProcess server = ServerProcess.start(Map.of("MOA_STORE", "file:" + store.dir(),
                TestStore.KEY_VARIABLE, TestStore.SECRET_KEY))) {
            for (Endpoint endpoint : Endpoint.values()) {
                for (int i = 0; i < JIT_WARMUP; i++) {
                    upstream.reset();
                    script(2, 2, 0, 3, 0);
                    streamed(server, endpoint, INSTANT);
                }
            }
            for (Endpoint endpoint : Endpoint.values()) {
                row("server build (streams), " + endpoint.path, measure(() -> streamed(server, endpoint, MIX)));
            }
        }
        try (PackagedFunction function = PackagedFunction.fromMavenBuild().store(store).start()) {
            function.initDuration();
            for (int i = 0; i < JIT_WARMUP; i++) {
                upstream.reset();
                script(2, 2, 0, 3, 0);
                buffered(function, INSTANT);
            }
            row("Lambda build (buffered)", measure(() -> buffered(function, MIX)));
        }
        line("");
        line("- load average at end: " + loadAverage());
        Path out = Path.of(System.getProperty("moa.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("streaming.md"), report.toString());
    }

    private interface Request {
        long[] send() throws Exception;
    }

    private List<Sample> measure(Request request) throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < WARMUP + MEASURED; i++) {
            upstream.reset();
            script(3, 6, PROPOSER_MS, TOKENS, TOKEN_MS);
            long[] times = request.send();
            ModelTime models = ModelTime.of(upstream.requests(), 3);
            if (i >= WARMUP) {
                double ttft = ms(times[1] - times[0]);
                double last = ms(times[2] - times[0]);
                samples.add(new Sample(ttft, last,
                        ttft - ms(models.proposerCriticalNanos() + models.aggregatorFirstNanos()),
                        last - ms(models.proposerCriticalNanos() + models.aggregatorLastNanos())));
            }
        }
        return samples;
    }

    private static void row(String build, List<Sample> samples) {
        line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | **%.1f** | %.1f | %.1f | **%.1f** | %.1f |", build,
                p(samples, Sample::ttft, 50), p(samples, Sample::ttft, 95), p(samples, Sample::firstOverhead, 50),
                p(samples, Sample::firstOverhead, 95), p(samples, Sample::last, 50),
                p(samples, Sample::lastOverhead, 50), p(samples, Sample::lastOverhead, 95)));
    }

    /** The three inbound protocols, each with its streamed request and how its text events look on the wire. */
    private enum Endpoint {
        CHAT("/v1/chat/completions", "{\"model\": \"%s\", \"stream\": true, \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"What is a mixture of agents?\"}]}", "\"content\":\"tok"),
        MESSAGES("/v1/messages", "{\"model\": \"%s\", \"stream\": true, \"max_tokens\": 1024, \"messages\": "
                + "[{\"role\": \"user\", \"content\": \"What is a mixture of agents?\"}]}", "\"text\":\"tok"),
        RESPONSES("/v1/responses", "{\"model\": \"%s\", \"stream\": true, \"store\": false, "
                + "\"input\": \"What is a mixture of agents?\"}", "\"delta\":\"tok");

        final String path;
        final String body;
        final String textMarker;

        Endpoint(String path, String body, String textMarker) {
            this.path = path;
            this.body = body;
            this.textMarker = textMarker;
        }
    }

    /** Sent, first content event, last content event (System.nanoTime, the upstream's clock too). */
    private static long[] streamed(ServerProcess server, Endpoint endpoint, String mix) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + endpoint.path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(endpoint.body.formatted(mix))).build();
        long sent = System.nanoTime();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode(), endpoint.path);
        long first = 0;
        long last = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("data: {") && line.contains(endpoint.textMarker)) {
                    last = System.nanoTime();
                    first = first == 0 ? last : first;
                }
            }
        }
        assertTrue(first > 0, endpoint.path + ": no content event");
        return new long[] {sent, first, last};
    }

    /** Behind API Gateway the whole stream arrives at once: first and last token when the response is posted. */
    private static long[] buffered(PackagedFunction function, String mix) throws Exception {
        HttpApiEvent event = HttpApiEvent.postJson("/v1/chat/completions", "{\"model\": \"" + mix
                + "\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"What is a mixture of agents?\"}]}");
        LambdaRuntimeApi.Outcome outcome = function.invoke(event.toJson(JSON))
                .get(PackagedFunction.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!(outcome instanceof LambdaRuntimeApi.Response response)) {
            throw new AssertionError("the function failed: " + outcome);
        }
        HttpApiResponse http = HttpApiResponse.parse(JSON, response.body());
        assertEquals(200, http.statusCode(), http.body());
        assertTrue(http.body().contains("\"content\":\"tok0 \""), http.body());
        return new long[] {response.timing().deliveredNanos(), response.timing().answeredNanos(),
                response.timing().answeredNanos()};
    }

    private static double p(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value, int percentile) {
        double[] sorted = samples.stream().mapToDouble(value).sorted().toArray();
        if (percentile == 50) {
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
        return sorted[Math.max(0, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static String loadAverage() throws Exception {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return String.join(" ", Arrays.copyOf(parts, 3));
    }

    private static int intProperty(String name, int fallback) {
        return Integer.parseInt(System.getProperty(name, Integer.toString(fallback)));
    }

    private static void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }
}
