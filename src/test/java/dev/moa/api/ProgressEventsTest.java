package dev.moa.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.NodeTools;
import dev.moa.testing.PythonTools;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code "moa": {"progress": true}} on a streamed chat request: a choice-less chunk per call and per layer as they
 * end, before the aggregator's tokens, and official SDKs (Python, JavaScript) still parse the stream.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ProgressEventsTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @BeforeEach
    void mixes() {
        // pg-p1 has a price (USD 2 and 8 per million input and output tokens); the others have none.
        store.provider("fake-priced", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl() + "\", "
                + "\"pricing\": {\"pg-p1\": {\"input_per_mtok\": 2, \"output_per_mtok\": 8}}}");
        store.mix("progress-duo", """
                {"layers": [
                  {"agents": [{"provider": "fake-priced", "model": "pg-p1"},
                              {"provider": "fake", "model": "pg-p2", "retries": 1}]},
                  {"agents": [{"provider": "fake", "model": "pg-agg"}]}]}""");
    }

    private static String request(boolean progress) {
        return """
                {"model": "progress-duo", "stream": true, "stream_options": {"include_usage": true},
                 "messages": [{"role": "user", "content": "Hi"}], "moa": {"progress": %s}}""".formatted(progress);
    }

    /** The data frames of an event stream, [DONE] as the text "[DONE]". */
    private static List<JsonNode> frames(String body) throws Exception {
        List<JsonNode> frames = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.equals("data: [DONE]")) {
                frames.add(JSON.getNodeFactory().textNode("[DONE]"));
            } else if (line.startsWith("data: ")) {
                frames.add(JSON.readTree(line.substring(6)));
            }
        }
        return frames;
    }

    @Test
    void eachCallAndLayerIsAnEventBeforeTheAggregatorsTokens() throws Exception {
        // p2 fails once (retried), then answers; the aggregator streams three fragments.
        upstream.script("pg-p2", new FakeUpstream.Status(503, "busy", Map.of()),
                new FakeUpstream.Answer("second <b>thought</b>", "stop"));
        upstream.script("pg-agg", FakeUpstream.Streamed.of("All ", "agree", "."));

        String body = given().contentType(ContentType.JSON).body(request(true))
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        List<JsonNode> frames = frames(body);

        List<JsonNode> events = new ArrayList<>();
        int firstContent = -1;
        int lastContent = -1;
        int finish = -1;
        for (int i = 0; i < frames.size(); i++) {
            JsonNode frame = frames.get(i);
            if (frame.has("moa") && frame.path("choices").isArray() && frame.path("choices").isEmpty()
                    && !frame.has("usage")) {
                assertEquals("chat.completion.chunk", frame.path("object").asText());
                assertEquals("progress-duo", frame.path("model").asText());
                events.add(frame.path("moa"));
            }
            JsonNode delta = frame.path("choices").path(0).path("delta");
            if (delta.hasNonNull("content") && !delta.path("content").asText().isEmpty()) {
                firstContent = firstContent < 0 ? i : firstContent;
                lastContent = i;
            }
            if (frame.path("choices").path(0).hasNonNull("finish_reason")) {
                finish = i;
            }
        }
        assertEquals(List.of("agent_done", "agent_done", "layer_done", "agent_done", "layer_done"),
                events.stream().map(e -> e.path("event").asText()).toList(), body);

        List<JsonNode> layer0 = events.subList(0, 2).stream()
                .sorted((a, b) -> a.path("index").asInt() - b.path("index").asInt()).toList();
        JsonNode p1 = layer0.get(0);
        assertEquals(0, p1.path("layer").asInt());
        assertEquals("fake-priced", p1.path("provider").asText());
        assertEquals("pg-p1", p1.path("model").asText());
        assertEquals("answer from pg-p1", p1.path("output").asText());
        assertTrue(p1.path("latency_ms").isIntegralNumber());
        JsonNode upstreamUsage = upstream.only("pg-p1").usage();
        long prompt = upstreamUsage.path("prompt_tokens").asLong();
        long completion = upstreamUsage.path("completion_tokens").asLong();
        assertTrue(prompt > 0 && completion > 0, upstreamUsage.toString());
        assertEquals(prompt, p1.path("usage").path("prompt_tokens").asLong());
        assertEquals(completion, p1.path("usage").path("completion_tokens").asLong());
        assertEquals(prompt + completion, p1.path("usage").path("total_tokens").asLong());
        BigDecimal p1Cost = BigDecimal.valueOf(prompt * 2 + completion * 8)
                .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64);
        assertTrue(p1.path("cost").isNumber(), "the priced call's cost: " + p1);
        assertEquals(0, p1Cost.compareTo(p1.path("cost").decimalValue()), p1Cost + " vs " + p1);
        assertFalse(p1.has("error"));
        JsonNode p2 = layer0.get(1);
        assertTrue(p2.has("cost") && p2.get("cost").isNull(), "no price: cost is null, never 0: " + p2);
        assertEquals(1, p2.path("index").asInt());
        assertEquals("second <b>thought</b>", p2.path("output").asText(), "the answer as it came, not escaped here");
        assertEquals(2, p2.path("attempts").size(), "the failed try and its retry: " + p2);
        assertTrue(p2.path("attempts").path(0).path("error").asText().contains("503"), p2.toString());
        assertEquals(1, p2.path("attempts").path(1).path("retry").asInt());

        JsonNode layerDone = events.get(2);
        assertEquals(0, layerDone.path("layer").asInt());
        assertEquals(2, layerDone.path("answers").asInt());
        assertEquals(0, layerDone.path("cut").asInt());

        JsonNode aggregator = events.get(3);
        assertEquals(1, aggregator.path("layer").asInt());
        assertEquals(0, aggregator.path("index").asInt());
        assertEquals("All agree.", aggregator.path("output").asText());
        assertEquals(1, events.get(4).path("layer").asInt());

        int aggregatorEvent = indexOf(frames, events.get(3));
        int layer0Done = indexOf(frames, events.get(2));
        assertTrue(layer0Done < firstContent, "the proposers' events come before the aggregator's first token");
        assertTrue(lastContent < aggregatorEvent && aggregatorEvent < finish,
                "the aggregator's own event follows its last token, before the finish chunk: " + body);
        assertEquals("[DONE]", frames.get(frames.size() - 1).asText());
    }

    @Test
    void aFailedCallSaysWhyAndTheStreamStillAnswers() throws Exception {
        upstream.script("pg-p1", new FakeUpstream.Status(400, "no such thing", Map.of()));
        String body = given().contentType(ContentType.JSON).body(request(true))
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        JsonNode failed = frames(body).stream().map(f -> f.path("moa"))
                .filter(m -> m.path("event").asText().equals("agent_done") && m.path("model").asText().equals("pg-p1"))
                .findFirst().orElseThrow();
        assertTrue(failed.path("error").asText().contains("400"), failed.toString());
        assertFalse(failed.has("output"));
        assertTrue(failed.path("cost").isNumber(), "a failed call cost nothing, a number (not unknown): " + failed);
        assertEquals(0, failed.path("cost").decimalValue().signum(), failed.toString());
        JsonNode unpriced = frames(body).stream().map(f -> f.path("moa"))
                .filter(m -> m.path("event").asText().equals("agent_done") && m.path("model").asText().equals("pg-p2"))
                .findFirst().orElseThrow();
        assertTrue(unpriced.has("cost") && unpriced.get("cost").isNull(), "answered without a price: " + unpriced);
        JsonNode layer = frames(body).stream().map(f -> f.path("moa"))
                .filter(m -> m.path("event").asText().equals("layer_done")).findFirst().orElseThrow();
        assertEquals(1, layer.path("answers").asInt());
    }

    @Test
    void withoutTheFlagTheStreamHasNoProgressChunks() throws Exception {
        String body = given().contentType(ContentType.JSON).body(request(false))
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertTrue(frames(body).stream().noneMatch(f -> f.path("moa").has("event")), body);
    }

    @Test
    void progressWithoutStreamIsRefused() {
        given().contentType(ContentType.JSON).body("""
                        {"model": "progress-duo", "messages": [{"role": "user", "content": "Hi"}],
                         "moa": {"progress": true}}""")
                .when().post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo("moa.progress"));
        given().contentType(ContentType.JSON).body("""
                        {"model": "progress-duo", "stream": true, "messages": [{"role": "user", "content": "Hi"}],
                         "moa": {"progress": "yes"}}""")
                .when().post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo("moa.progress"));
    }

    @Test
    void theOfficialPythonSdkParsesTheStream() throws Exception {
        Path script = Path.of(System.getProperty("moa.python.dir", "src/test/python"), "stream_progress.py");
        Process python = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), "-u", script.toString(),
                "http://localhost:" + RestAssured.port + "/v1", "unused", "progress-duo")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<JsonNode> printed = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                printed.add(JSON.readTree(line));
            }
        }
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), printed.toString());
        assertSdkSawEverything(printed);
    }

    @Test
    void theOfficialJavaScriptSdkParsesTheStream() throws Exception {
        Path dir = NodeTools.install(NodeTools.AGENTS_SDK);
        Path script = NodeTools.script(dir, "progress/stream-progress.mjs");
        NodeTools.Run run = NodeTools.node(dir, List.of(script.toString(),
                "http://localhost:" + RestAssured.port + "/v1", "unused", "progress-duo"), 120);
        assertEquals(0, run.exitCode(), "stdout: " + run.stdout() + "\nstderr: " + run.stderr());
        List<JsonNode> printed = new ArrayList<>();
        for (String line : run.stdout().strip().split("\n")) {
            printed.add(JSON.readTree(line));
        }
        assertSdkSawEverything(printed);
    }

    /** What an SDK parsed: the five events, the answer, its finish and usage, the end. */
    private static void assertSdkSawEverything(List<JsonNode> printed) {
        // The usage chunk's moa holds cost_unpriced_calls (the fake provider has no price), not an event.
        List<String> events = printed.stream().filter(p -> p.path("moa").has("event"))
                .map(p -> p.path("moa").path("event").asText()).toList();
        assertEquals(List.of("agent_done", "agent_done", "layer_done", "agent_done", "layer_done"), events,
                printed.toString());
        String content = printed.stream().filter(p -> p.has("content")).map(p -> p.path("content").asText())
                .reduce("", String::concat);
        assertEquals("answer from pg-agg", content);
        assertTrue(printed.stream().anyMatch(p -> p.path("finish").asText().equals("stop")), printed.toString());
        assertTrue(printed.stream().anyMatch(p -> p.path("usage").asLong() > 0), printed.toString());
        assertTrue(printed.get(printed.size() - 1).path("done").asBoolean());
    }

    private static int indexOf(List<JsonNode> frames, JsonNode moa) {
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).path("moa") == moa) {
                return i;
            }
        }
        throw new AssertionError("not a frame's event: " + moa);
    }
}
