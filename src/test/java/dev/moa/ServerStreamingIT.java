package dev.moa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.moa.store.ClientKeys;
import dev.moa.testing.EmfRules;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.Poll;
import dev.moa.testing.PythonTools;
import dev.moa.testing.TestStore;
import dev.moa.testing.server.ServerProcess;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server build ({@code -Pserver}) streams for real: run as its own process the way the Lambda Web Adapter runs
 * it, against the in-test upstream. Timing claims use the upstream's own recorded times (same JVM clock) or a gate
 * the test opens, never wall-clock thresholds.
 */
class ServerStreamingIT {

    private static final String CHAT = "/v1/chat/completions";
    private static final String CLIENT_KEY = "moa-client-key-for-the-streaming-tests";
    /** A key with limits (docs/limits.md): its answers carry x-ratelimit-* headers. */
    private static final String LIMITED_KEY = "moa-client-key-with-limits-for-the-streaming-tests";
    /** Keys with a budget or a cost cap, by key name (each test its own), for the settle and refusal tests. */
    private static final Map<String, String> PRICED_KEYS = Map.of(
            "budgeted", "\"budget_usd\": {\"month\": 10}",
            "estimating", "\"budget_usd\": {\"month\": 10}",
            "one-a-minute", "\"rpm\": 1",
            "spent", "\"budget_usd\": {\"day\": 0.000001}",
            "capped", "\"max_cost_per_request_usd\": 0.000001");
    /** The "priced" provider's default prices, USD per million tokens. */
    private static final BigDecimal INPUT = BigDecimal.valueOf(100);
    private static final BigDecimal OUTPUT = BigDecimal.valueOf(200);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    @AutoClose
    private static FakeUpstream upstream;
    private static TestStore store;
    @AutoClose
    private static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-server-store"), upstream.baseUrl());
        Path keys = Files.createDirectories(store.dir().resolve("client-keys"));
        Files.writeString(keys.resolve("tests"), ClientKeys.sha256Hex(CLIENT_KEY));
        Files.writeString(keys.resolve("limited"), "{\"sha256\": \"" + ClientKeys.sha256Hex(LIMITED_KEY)
                + "\", \"rpm\": 1000, \"tpm\": 10000000}");
        for (Map.Entry<String, String> key : PRICED_KEYS.entrySet()) {
            Files.writeString(keys.resolve(key.getKey()), "{\"sha256\": \"" + ClientKeys.sha256Hex(pricedKey(key.getKey()))
                    + "\", " + key.getValue() + "}");
        }
        // Models f1 and f2 cost nothing, so a mix of them as proposers is estimated at its aggregator's worst case.
        store.provider("priced", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl() + "\", \"pricing\": {"
                + "\"f1\": {\"input_per_mtok\": 0, \"output_per_mtok\": 0}, "
                + "\"f2\": {\"input_per_mtok\": 0, \"output_per_mtok\": 0}, "
                + "\"default\": {\"input_per_mtok\": 100, \"output_per_mtok\": 200}}}");
        for (String proposers : List.of("p", "f")) {
            store.mix(proposers.equals("p") ? "priced-duo" : "free-proposers", """
                    {"layers": [
                      {"agents": [{"provider": "priced", "model": "%1$s1", "max_tokens": 40},
                                  {"provider": "priced", "model": "%1$s2", "max_tokens": 40}]},
                      {"agents": [{"provider": "priced", "model": "agg", "max_tokens": 60}]}]}""".formatted(proposers));
        }
        store.mix("duo", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                  {"agents": [{"provider": "fake", "model": "agg", "retries": 0,
                               "fallbacks": [{"provider": "fake", "model": "agg-fallback"}]}]}]}""");
        server = ServerProcess.start(Map.of("MOA_STORE", "file:" + store.dir(), "MOA_AUTH_REQUIRED", "true",
                TestStore.KEY_VARIABLE, TestStore.SECRET_KEY, "MOA_STREAM_KEEP_ALIVE", "50ms",
                "MOA_LIMITS_DIR", Files.createTempDirectory("moa-server-limits").toString(),
                "MOA_METRICS_EMF", "true"));
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    /** One line of the response body and when (System.nanoTime) it arrived. */
    record Line(String text, long atNanos) {
    }

    /** A streamed response read line by line as it arrives. */
    static final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BufferedReader reader;

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        Line next() throws IOException {
            String text = reader.readLine();
            return text == null ? null : new Line(text, System.nanoTime());
        }

        /** The next {@code data:} event's JSON ({@code null} at [DONE] or the end). */
        JsonNode nextData() throws IOException {
            for (Line line = next(); line != null; line = next()) {
                if (line.text().equals("data: [DONE]")) {
                    return null;
                }
                if (line.text().startsWith("data: ")) {
                    return JSON.readTree(line.text().substring(6));
                }
            }
            return null;
        }

        List<Line> rest() throws IOException {
            List<Line> lines = new ArrayList<>();
            for (Line line = next(); line != null; line = next()) {
                lines.add(line);
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    private static Stream post(String body, Map<String, String> headers) throws Exception {
        return post(CHAT, body, headers);
    }

    private static Stream post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + CLIENT_KEY)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::setHeader);
        return new Stream(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private static String streamed(boolean includeUsage, boolean trace) {
        return """
                {"model": "duo", "stream": true, "stream_options": {"include_usage": %s}, "moa": {"trace": %s},
                 "messages": [{"role": "user", "content": "Tell me about MoA."}]}""".formatted(includeUsage, trace);
    }

    private static String content(JsonNode chunk) {
        return chunk.path("choices").path(0).path("delta").path("content").asText("");
    }

    @Test
    void theFirstChunkReachesTheClientBeforeTheAggregatorsCallFinishedThenTheRestInOrder() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<String> deltas = List.of("Mixture", "-of-", "Agents", " works.");
        upstream.script("agg", new FakeUpstream.Streamed(deltas, Duration.ZERO, FakeUpstream.Ending.DONE, gate));
        try (Stream stream = post(streamed(false, false), Map.of())) {
            assertEquals(200, stream.response.statusCode());
            assertTrue(stream.response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            JsonNode role = stream.nextData();
            assertEquals("assistant", role.path("choices").path(0).path("delta").path("role").asText());
            JsonNode first = stream.nextData();
            long firstAt = System.nanoTime();
            assertEquals("Mixture", content(first));
            assertTrue(upstream.requests("agg").isEmpty(), "the aggregator's call is still open");
            gate.countDown();

            List<String> received = new ArrayList<>(List.of(content(first)));
            String finish = null;
            for (JsonNode chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                if (!content(chunk).isEmpty()) {
                    received.add(content(chunk));
                }
                if (chunk.path("choices").path(0).path("finish_reason").isTextual()) {
                    finish = chunk.path("choices").path(0).path("finish_reason").asText();
                }
            }
            assertEquals(deltas, received, "one chunk per upstream delta, in order");
            assertEquals("stop", finish);
            assertTrue(firstAt < upstream.only("agg").endNanos(), "first chunk before the upstream call finished");
        }
    }

    /**
     * The Messages and Responses APIs stream on the server build as chat does: the first text event reaches the
     * client while the aggregator's call is still open, and the rest follow in order.
     */
    @Test
    void theMessagesAndResponsesApisStreamTheFirstTokenBeforeTheAggregatorsCallFinished() throws Exception {
        record Endpoint(String path, String body, String deltaEvent, String deltaField) {
        }
        List<Endpoint> endpoints = List.of(
                new Endpoint("/v1/messages", """
                        {"model": "duo", "stream": true, "max_tokens": 256,
                         "messages": [{"role": "user", "content": "Tell me about MoA."}]}""",
                        "content_block_delta", "/delta/text"),
                new Endpoint("/v1/responses", """
                        {"model": "duo", "stream": true, "store": false, "input": "Tell me about MoA."}""",
                        "response.output_text.delta", "/delta"));
        for (Endpoint endpoint : endpoints) {
            upstream.reset();
            CountDownLatch gate = new CountDownLatch(1);
            List<String> deltas = List.of("Mixture", "-of-", "Agents", " works.");
            upstream.script("agg", new FakeUpstream.Streamed(deltas, Duration.ZERO, FakeUpstream.Ending.DONE, gate));
            try (Stream stream = post(endpoint.path(), endpoint.body(), Map.of())) {
                assertEquals(200, stream.response.statusCode(), endpoint.path());
                assertTrue(stream.response.headers().firstValue("content-type").orElse("")
                        .startsWith("text/event-stream"), endpoint.path());
                List<String> received = new ArrayList<>();
                long firstAt = 0;
                for (JsonNode event = stream.nextData(); event != null; event = stream.nextData()) {
                    if (!endpoint.deltaEvent().equals(event.path("type").asText())) {
                        continue;
                    }
                    received.add(event.at(endpoint.deltaField()).asText());
                    if (received.size() == 1) {
                        firstAt = System.nanoTime();
                        assertTrue(upstream.requests("agg").isEmpty(), endpoint.path() + ": the aggregator's call is open");
                        gate.countDown();
                    }
                }
                assertEquals(deltas, received, endpoint.path() + ": one text event per upstream delta, in order");
                assertTrue(firstAt < upstream.only("agg").endNanos(), endpoint.path());
            }
        }
    }

    /**
     * {@code "moa": {"progress": true}}: the proposers' {@code agent_done} and the layer's {@code layer_done} reach
     * the client while the aggregator's call is still open (the upstream holds it after its first delta until the
     * test has seen them), not buffered to the end; the aggregator's own events follow its last token.
     */
    @Test
    void progressEventsArriveWhileTheAggregatorsCallIsStillOpen() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<String> deltas = List.of("Mixture", "-of-", "Agents");
        upstream.script("agg", new FakeUpstream.Streamed(deltas, Duration.ZERO, FakeUpstream.Ending.DONE, gate));
        String body = """
                {"model": "duo", "stream": true, "moa": {"progress": true},
                 "messages": [{"role": "user", "content": "Tell me about MoA."}]}""";
        List<JsonNode> events = new ArrayList<>();
        try (Stream stream = post(body, Map.of())) {
            assertEquals(200, stream.response.statusCode());
            JsonNode chunk = stream.nextData();
            for (; chunk != null; chunk = stream.nextData()) {
                assertEquals("", content(chunk), "no token before the proposers' events: " + chunk);
                if (chunk.path("moa").has("event")) {
                    assertEquals(0, chunk.path("choices").size(), chunk.toString());
                    events.add(chunk.path("moa"));
                    if (chunk.path("moa").path("event").asText().equals("layer_done")) {
                        break;
                    }
                }
            }
            long layerDoneAt = System.nanoTime();
            assertNotNull(chunk, "the stream ended before layer 0's layer_done");
            assertTrue(upstream.requests("agg").isEmpty(), "the aggregator's call is still open");
            gate.countDown();

            assertEquals(List.of("agent_done", "agent_done", "layer_done"),
                    events.stream().map(e -> e.path("event").asText()).toList(), events.toString());
            assertEquals(List.of("answer from p1", "answer from p2"), events.subList(0, 2).stream()
                    .sorted((a, b) -> a.path("index").asInt() - b.path("index").asInt())
                    .map(e -> e.path("output").asText()).toList());
            assertEquals(2, events.get(2).path("answers").asInt());

            List<String> received = new ArrayList<>();
            List<String> after = new ArrayList<>();
            for (chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                if (!content(chunk).isEmpty()) {
                    assertTrue(after.isEmpty(), "the aggregator's events follow its last token: " + after);
                    received.add(content(chunk));
                }
                if (chunk.path("moa").has("event")) {
                    after.add(chunk.path("moa").path("event").asText() + " " + chunk.path("moa").path("layer").asInt()
                            + " " + chunk.path("moa").path("output").asText(""));
                }
            }
            assertEquals(deltas, received);
            assertEquals(List.of("agent_done 1 Mixture-of-Agents", "layer_done 1 "), after);
            assertTrue(layerDoneAt < upstream.only("agg").endNanos(), "layer 0's events came before the call ended");
        }
    }

    /** The server build serves the playground without being asked to (the Lambda build does not: PlaygroundOffTest). */
    @Test
    void servesThePlaygroundByDefault() throws Exception {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/playground"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"),
                page.headers().map().toString());
        HttpResponse<String> script = HTTP.send(HttpRequest.newBuilder(
                URI.create(server.baseUrl() + "/playground/playground.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("content-type").orElse("").startsWith("text/javascript"));
    }

    @Test
    void usageInTheLastChunkIsTheSumOverEveryCallAndTheTraceRidesOnIt() throws Exception {
        upstream.script("agg", FakeUpstream.Streamed.of("a", "b", "c"));
        JsonNode last = null;
        try (Stream stream = post(streamed(true, true), Map.of())) {
            for (JsonNode chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                last = chunk;
            }
        }
        assertNotNull(last);
        long total = upstream.requests().stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(3, upstream.requests().size());
        assertEquals(total, last.path("usage").path("total_tokens").asLong());
        assertEquals(0, last.path("choices").size());
        JsonNode aggregator = last.path("moa").path("layers").path(1).path("agents").path(0);
        assertEquals("abc", aggregator.path("output").asText());
        assertEquals("agg", aggregator.path("model").asText());
    }

    @Test
    void aFailureBeforeTheFirstTokenFallsBack() throws Exception {
        upstream.script("agg", new FakeUpstream.Status(503, "overloaded", Map.of()));
        upstream.script("agg-fallback", FakeUpstream.Streamed.of("from ", "the fallback"));
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        try (Stream stream = post(streamed(true, true), Map.of())) {
            assertEquals(200, stream.response.statusCode());
            for (JsonNode chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                text.append(content(chunk));
                last = chunk;
            }
        }
        assertEquals("from the fallback", text.toString());
        JsonNode attempts = last.path("moa").path("layers").path(1).path("agents").path(0).path("attempts");
        assertEquals(503, attempts.path(0).path("status").asInt());
        assertEquals("agg-fallback", attempts.path(1).path("model").asText());
    }

    @Test
    void aFailureAfterTheFirstTokenEndsTheStreamWithAnErrorEventThatTheTraceRecords() throws Exception {
        upstream.script("agg", FakeUpstream.Streamed.of("half an ", "answer").ending(FakeUpstream.Ending.DROP));
        upstream.script("agg-fallback", FakeUpstream.Streamed.of("must not be used"));
        List<JsonNode> events = new ArrayList<>();
        try (Stream stream = post(streamed(true, true), Map.of())) {
            for (JsonNode chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                events.add(chunk);
            }
        }
        JsonNode error = events.get(events.size() - 1);
        assertEquals("upstream_failed", error.path("error").path("code").asText(), error.toString());
        assertFalse(error.toString().contains(TestStore.SECRET_KEY));
        JsonNode aggregator = error.path("moa").path("layers").path(1).path("agents").path(0);
        assertTrue(aggregator.path("error").asText().contains("ended before the answer finished"), error.toString());
        assertEquals("half an answer", events.stream().map(ServerStreamingIT::content).reduce("", String::concat));
        assertTrue(upstream.requests("agg-fallback").isEmpty(), "no fallback once words were sent");
    }

    @Test
    void aClientThatGoesAwayCancelsTheAggregatorsCall() throws Exception {
        upstream.script("agg", FakeUpstream.Streamed.of("one", "two").ending(FakeUpstream.Ending.STALL));
        int logBefore = server.log().split("\n").length;
        Stream stream = post(streamed(false, false), Map.of());
        stream.nextData();
        assertEquals("one", content(stream.nextData()));
        stream.close();
        assertTrue(upstream.awaitDisconnects("agg", 1), "the upstream saw its connection close");
        // One INFO line says so; neither the client's leaving nor the cancelled upstream call is an ERROR.
        Poll.until("the server logs the disconnect", Duration.ofSeconds(10),
                () -> server.log().contains("client_disconnected"));
        List<String> since = List.of(server.log().split("\n")).subList(logBefore, server.log().split("\n").length);
        assertEquals(1, since.stream().filter(l -> l.contains("INFO") && l.contains("client_disconnected")).count(),
                String.join("\n", since));
        assertTrue(since.stream().noneMatch(l -> l.contains("ERROR") || l.startsWith("\tat ")), String.join("\n", since));
    }

    /**
     * A key with a budget whose client goes away mid-stream is settled as docs/limits.md says: the proposers' usage
     * plus the aggregator's worst case (its provider bills what it generated and does not say how much), and its
     * reservation is not left held.
     */
    @Test
    void aClientThatGoesAwayIsChargedTheProposersUsagePlusTheAggregatorsWorstCase() throws Exception {
        // The aggregator's worst case: the estimate of the same request on a mix whose proposers cost nothing.
        upstream.script("agg", new FakeUpstream.Answer("whole", "stop"));
        HttpResponse<String> probe = send(CHAT, chat("free-proposers", false, true), pricedKey("estimating"));
        assertEquals(200, probe.statusCode(), probe.body());
        BigDecimal aggregatorWorstCase = new BigDecimal(JSON.readTree(probe.body()).at("/moa/limits/estimate_usd")
                .asText());
        assertTrue(aggregatorWorstCase.signum() > 0, probe.body());
        upstream.reset();

        upstream.script("agg", FakeUpstream.Streamed.of("one", "two").ending(FakeUpstream.Ending.STALL));
        String key = pricedKey("budgeted");
        try (Stream stream = post(chat("priced-duo", true, false), Map.of("Authorization", "Bearer " + key))) {
            assertEquals(200, stream.response.statusCode());
            stream.nextData();
            assertEquals("one", content(stream.nextData()));
            JsonNode inFlight = usage(key);
            BigDecimal reserved = new BigDecimal(inFlight.at("/month/reserved_usd").asText());
            assertTrue(reserved.compareTo(aggregatorWorstCase) > 0, "the whole estimate is held: " + inFlight);
            assertEquals(0, BigDecimal.TEN.subtract(reserved).compareTo(new BigDecimal(
                    stream.response.headers().firstValue("x-moa-budget-remaining-usd").orElseThrow())));
        }
        assertTrue(upstream.awaitDisconnects("agg", 1), "the upstream saw its connection close");
        Poll.until("the request is settled", Duration.ofSeconds(10), () -> {
            JsonNode usage = usage(key);
            return usage.at("/month/requests").asInt() == 1
                    && new BigDecimal(usage.at("/month/reserved_usd").asText()).signum() == 0;
        });
        JsonNode settled = usage(key);
        BigDecimal proposers = cost(upstream.requests("p1")).add(cost(upstream.requests("p2")));
        assertTrue(proposers.signum() > 0);
        assertEquals(0, proposers.add(aggregatorWorstCase).compareTo(new BigDecimal(settled.at("/month/spend_usd")
                .asText())), "proposers $" + proposers + " + aggregator's worst case $" + aggregatorWorstCase + ": "
                + settled);
        assertEquals(0, new BigDecimal(settled.at("/today/reserved_usd").asText()).signum(), settled.toString());
        assertEquals(settled.at("/month/spend_usd"), settled.at("/today/spend_usd"), settled.toString());
    }

    /**
     * Each refusal by a key's limits is one EMF record in the server's output (metric {@code LimitRefusals}, dimension
     * {@code kind}): requests per minute, a spent budget, a request over the cost cap.
     */
    @Test
    void limitRefusalsAreCountedInEmfRecordsByKind() throws Exception {
        int logBefore = server.log().split("\n").length;
        // rpm 1: the second request of a minute is refused (the third, should a minute turn between the first two).
        HttpResponse<String> rpm = null;
        for (int i = 0; i < 3 && (rpm == null || rpm.statusCode() != 429); i++) {
            rpm = send(CHAT, chat("duo", false, false), pricedKey("one-a-minute"));
        }
        assertEquals(429, rpm.statusCode(), rpm.body());
        HttpResponse<String> quota = send(CHAT, chat("priced-duo", false, false), pricedKey("spent"));
        assertEquals("insufficient_quota", JSON.readTree(quota.body()).at("/error/code").asText(), quota.body());
        HttpResponse<String> capped = send(CHAT, chat("priced-duo", false, false), pricedKey("capped"));
        assertEquals("max_cost_exceeded", JSON.readTree(capped.body()).at("/error/code").asText(), capped.body());

        List<JsonNode> refusals = new ArrayList<>();
        Poll.until("three refusal records in the server's output", Duration.ofSeconds(10), () -> {
            refusals.clear();
            List<String> lines = List.of(server.log().split("\n"));
            for (String line : lines.subList(logBefore, lines.size())) {
                if (line.startsWith("{\"_aws\"") && line.contains("LimitRefusals")) {
                    try {
                        refusals.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new AssertionError(line, e);
                    }
                }
            }
            return refusals.size() >= 3;
        });
        assertEquals(List.of("requests_per_minute:duo", "budget:priced-duo", "max_cost:priced-duo"), refusals.stream()
                .map(r -> r.path("kind").asText() + ":" + r.path("mix").asText()).toList(), refusals.toString());
        for (JsonNode refusal : refusals) {
            assertEquals(List.of(), EmfRules.violations(refusal), refusal.toString());
            assertEquals("MoA", refusal.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
            assertEquals("[[\"kind\"]]", refusal.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
            assertEquals(1, refusal.path("LimitRefusals").asInt(), refusal.toString());
            PRICED_KEYS.keySet().forEach(name -> assertFalse(refusal.toString().contains(pricedKey(name))));
        }
    }

    private static String pricedKey(String name) {
        return "moa-client-key-" + name + "-for-the-streaming-tests";
    }

    private static String chat(String mix, boolean stream, boolean trace) {
        return """
                {"model": "%s", "stream": %s, "moa": {"trace": %s},
                 "messages": [{"role": "user", "content": "Tell me about MoA."}]}""".formatted(mix, stream, trace);
    }

    private static HttpResponse<String> send(String path, String body, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode usage(String key) {
        try {
            HttpResponse<String> usage = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/moa/usage"))
                    .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, usage.statusCode(), usage.body());
            return JSON.readTree(usage.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** What the upstream's recorded calls cost at the "priced" provider's default prices. */
    private static BigDecimal cost(List<Recorded> calls) {
        BigDecimal total = BigDecimal.ZERO;
        for (Recorded call : calls) {
            assertNotNull(call.usage(), "every call answered with usage");
            total = total.add(INPUT.multiply(BigDecimal.valueOf(call.usage().path("prompt_tokens").asLong()))
                    .add(OUTPUT.multiply(BigDecimal.valueOf(call.usage().path("completion_tokens").asLong())))
                    .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64));
        }
        return total;
    }

    @Test
    void theDeadlineFromTheAdaptersLambdaContextHeaderCancelsTheAggregatorsCall() throws Exception {
        upstream.script("agg", FakeUpstream.Streamed.of("slow").ending(FakeUpstream.Ending.STALL));
        // Lambda ends the invocation 10 s from now; moa.deadline-margin (1 s) is kept free to answer. Generous, so the
        // proposers' layer ends within its share even on a cold server on a loaded machine (5 s once did not).
        String context = "{\"request_id\": \"r-1\", \"deadline\": " + (System.currentTimeMillis() + 10000) + "}";
        List<JsonNode> events = new ArrayList<>();
        try (Stream stream = post(streamed(false, false), Map.of("x-amzn-lambda-context", context))) {
            assertEquals(200, stream.response.statusCode());
            for (JsonNode chunk = stream.nextData(); chunk != null; chunk = stream.nextData()) {
                events.add(chunk);
            }
        }
        assertEquals("deadline_exceeded", events.get(events.size() - 1).path("error").path("code").asText());
        assertTrue(upstream.awaitDisconnects("agg", 1), "the upstream saw its connection close\n" + server.log());
    }

    @Test
    void commentsKeepTheConnectionAliveWhileTheProposersWork() throws Exception {
        CountDownLatch proposers = new CountDownLatch(1);
        upstream.script("p1", new FakeUpstream.Held(proposers));
        upstream.script("agg", FakeUpstream.Streamed.of("done"));
        try (Stream stream = post(streamed(false, false), Map.of())) {
            Line line = stream.next();
            assertTrue(line.text().startsWith(":"), "an SSE comment first: " + line.text());
            proposers.countDown();
            assertTrue(stream.rest().stream().anyMatch(l -> l.text().equals("data: [DONE]")));
        }
    }

    /**
     * The Messages endpoint's keep-alive is Anthropic's {@code ping} event (Claude Code and the SDK read it), sent
     * while the proposers are held by the gate; the answer's events follow once it opens.
     */
    @Test
    void messagesSendPingEventsWhileTheProposersWork() throws Exception {
        CountDownLatch proposers = new CountDownLatch(1);
        upstream.script("p1", new FakeUpstream.Held(proposers));
        upstream.script("agg", FakeUpstream.Streamed.of("done"));
        try (Stream stream = post("/v1/messages", """
                {"model": "duo", "stream": true, "max_tokens": 64,
                 "messages": [{"role": "user", "content": "Hi"}]}""", Map.of())) {
            assertEquals(200, stream.response.statusCode());
            assertEquals("event: ping", stream.next().text(), "a ping first, while the proposers work");
            assertEquals("data: {\"type\":\"ping\"}", stream.next().text());
            assertTrue(upstream.requests("agg").isEmpty(), "the aggregator was not called yet");
            proposers.countDown();
            List<String> events = stream.rest().stream().map(Line::text).filter(l -> l.startsWith("event: "))
                    .filter(l -> !l.equals("event: ping")).toList();
            assertEquals(List.of("event: message_start", "event: content_block_start", "event: content_block_delta",
                    "event: content_block_stop", "event: message_delta", "event: message_stop"), events);
        }
    }

    @Test
    void aProposerLayerThatFailsFastIsAnOrdinaryErrorResponse() throws Exception {
        upstream.script("p1", new FakeUpstream.Status(400, "no", Map.of()));
        upstream.script("p2", new FakeUpstream.Status(400, "no", Map.of()));
        try (Stream stream = post(streamed(false, false), Map.of())) {
            assertEquals(502, stream.response.statusCode());
            JsonNode error = JSON.readTree(String.join("", stream.rest().stream().map(Line::text).toList()));
            assertEquals("upstream_failed", error.path("error").path("code").asText());
        }
    }

    /**
     * A key with limits gets its {@code x-ratelimit-*} headers on a streamed answer, and the same headers on the error
     * response of a stream whose mix failed after admission, before its first event: on chat, Responses and Messages.
     */
    @Test
    void aStreamThatFailsBeforeItsFirstEventCarriesTheKeysLimitHeadersAsAnAnswerDoes() throws Exception {
        Map<String, String> limited = Map.of("Authorization", "Bearer " + LIMITED_KEY);
        Map<String, String> bodies = Map.of(CHAT, streamed(false, false),
                "/v1/responses", """
                        {"model": "duo", "stream": true, "store": false, "input": "Hi"}""",
                "/v1/messages", """
                        {"model": "duo", "stream": true, "max_tokens": 256,
                         "messages": [{"role": "user", "content": "Hi"}]}""");
        for (Map.Entry<String, String> endpoint : bodies.entrySet()) {
            upstream.reset();
            upstream.script("agg", FakeUpstream.Streamed.of("fine"));
            Map<String, String> answered;
            try (Stream stream = post(endpoint.getKey(), endpoint.getValue(), limited)) {
                assertEquals(200, stream.response.statusCode(), endpoint.getKey());
                answered = limitHeaders(stream.response);
                stream.rest();
            }
            assertEquals("1000", answered.get("x-ratelimit-limit-requests"), endpoint.getKey() + ": " + answered);
            assertEquals("10000000", answered.get("x-ratelimit-limit-tokens"), endpoint.getKey() + ": " + answered);

            upstream.script("p1", new FakeUpstream.Status(400, "no", Map.of()));
            upstream.script("p2", new FakeUpstream.Status(400, "no", Map.of()));
            try (Stream stream = post(endpoint.getKey(), endpoint.getValue(), limited)) {
                String body = String.join("", stream.rest().stream().map(Line::text).toList());
                assertEquals(502, stream.response.statusCode(), endpoint.getKey() + ": " + body);
                Map<String, String> failed = limitHeaders(stream.response);
                assertEquals(answered.keySet(), failed.keySet(), endpoint.getKey() + ": " + failed);
                assertEquals("1000", failed.get("x-ratelimit-limit-requests"), endpoint.getKey());
                assertTrue(Long.parseLong(failed.get("x-ratelimit-remaining-requests")) < 1000,
                        endpoint.getKey() + ": this request counted as well: " + failed);
                assertTrue(stream.response.headers().firstValue("content-type").orElse("")
                        .startsWith("application/json"), endpoint.getKey());
            }
        }
    }

    private static Map<String, String> limitHeaders(HttpResponse<?> response) {
        Map<String, String> limits = new java.util.TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            if (name.toLowerCase(java.util.Locale.ROOT).startsWith("x-ratelimit-")) {
                limits.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
            }
        });
        return limits;
    }

    @Test
    void aNonStreamedRequestIsUnchangedAndClientKeysAreEnforced() throws Exception {
        upstream.script("agg", new FakeUpstream.Answer("whole", "stop"));
        try (Stream stream = post("""
                {"model": "duo", "messages": [{"role": "user", "content": "Hi"}]}""", Map.of())) {
            assertEquals(200, stream.response.statusCode());
            JsonNode completion = JSON.readTree(String.join("", stream.rest().stream().map(Line::text).toList()));
            assertEquals("whole", completion.path("choices").path(0).path("message").path("content").asText());
        }
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + CHAT))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        streamed(false, false))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        assertEquals("invalid_api_key", JSON.readTree(anonymous.body()).path("error").path("code").asText());
    }

    @Test
    void listensOnTheAdaptersPortAndAnswersItsReadinessCheck() throws Exception {
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(
                URI.create(server.baseUrl() + ServerProcess.READINESS_PATH)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
    }

    @Test
    void theOfficialJavaSdkStreamsChunkByChunk() {
        CountDownLatch gate = new CountDownLatch(1);
        upstream.script("agg", new FakeUpstream.Streamed(List.of("Java ", "SDK ", "streams"), Duration.ZERO,
                FakeUpstream.Ending.DONE, gate));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey(CLIENT_KEY)
                .maxRetries(0).build();
        List<String> received = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("duo").addUserMessage("Hi").build())) {
            Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
            while (chunks.hasNext()) {
                ChatCompletionChunk chunk = chunks.next();
                chunk.choices().forEach(c -> c.delta().content().filter(s -> !s.isEmpty()).ifPresent(text -> {
                    if (received.isEmpty()) {
                        assertTrue(upstream.requests("agg").isEmpty(), "the first chunk came while the call was open");
                        gate.countDown();
                    }
                    received.add(text);
                }));
            }
        } finally {
            client.close();
        }
        assertEquals(List.of("Java ", "SDK ", "streams"), received);
    }

    @Test
    void theOfficialPythonSdkStreamsChunkByChunk() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        upstream.script("agg", new FakeUpstream.Streamed(List.of("Python ", "SDK ", "streams"), Duration.ZERO,
                FakeUpstream.Ending.DONE, gate));
        Path script = Path.of(System.getProperty("moa.python.dir", "src/test/python"), "stream_chat.py");
        Process python = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), "-u", script.toString(),
                server.baseUrl() + "/v1", CLIENT_KEY, "duo").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> received = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                JsonNode printed = JSON.readTree(line);
                if (printed.has("content")) {
                    if (received.isEmpty()) {
                        assertTrue(upstream.requests("agg").isEmpty(), "the first chunk came while the call was open");
                        gate.countDown();
                    }
                    received.add(printed.path("content").asText());
                }
            }
        }
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue());
        assertEquals(List.of("Python ", "SDK ", "streams"), received);
    }
}
