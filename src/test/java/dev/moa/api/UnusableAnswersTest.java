package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstream answers that look like answers but are not usable — or are, despite a flaw — each affecting only the
 * agent that got it, with a clear error in the trace.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class UnusableAnswersTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FakeUpstream.CallTools UNOFFERED = FakeUpstream.CallTools.of(
            new FakeUpstream.Call("call_1", "get_weather", "{\"city\": \"Paris\"}"));

    @BeforeEach
    void mixes() {
        store.mix("plain", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "u-p1", "retries": 0},
                               {"provider": "fake", "model": "u-p2", "retries": 0}]},
                   {"agents": [{"provider": "fake", "model": "u-agg", "retries": 0}]}]}""");
        store.mix("plain-fallback", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "f-p1", "retries": 0}]},
                   {"agents": [{"provider": "fake", "model": "f-agg", "retries": 0,
                                "fallbacks": [{"provider": "fake", "model": "f-backup"}]}]}]}""");
        store.mix("seq", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "s-p1"}, {"provider": "fake", "model": "s-p2"}]},
                   {"aggregate": {"mode": "sequential", "window": 1},
                    "agents": [{"provider": "fake", "model": "s-mid-a", "retries": 0},
                               {"provider": "fake", "model": "s-mid-b"}]},
                   {"agents": [{"provider": "fake", "model": "s-agg"}]}]}""");
    }

    private static JsonNode post(String body, int status) throws Exception {
        return JSON.readTree(given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions")
                .then().statusCode(status).extract().asString());
    }

    private static String ask(String mix, boolean stream) {
        return """
                {"model": "%s", "stream": %s, "moa": {"trace": true},
                 "messages": [{"role": "user", "content": "Weather in Paris?"}]}""".formatted(mix, stream);
    }

    @Test
    void aProposerThatCallsToolsNobodyOfferedFailsAloneWithTheReasonInTheTrace() throws Exception {
        upstream.script("u-p1", UNOFFERED);

        JsonNode reply = post(ask("plain", false), 200);

        JsonNode p1 = reply.path("moa").path("layers").path(0).path("agents").path(0);
        assertEquals("unusable response: the answer calls tools (get_weather) but the request offered none",
                p1.path("error").asText(), p1.toString());
        assertEquals("answer from u-agg", reply.path("choices").path(0).path("message").path("content").asText());
        String aggregatorSystem = upstream.only("u-agg").system();
        assertTrue(aggregatorSystem.contains("answer from u-p2"), aggregatorSystem);
        assertTrue(!aggregatorSystem.contains("2."), "one reference only, no empty one: " + aggregatorSystem);
    }

    @Test
    void anAggregatorThatCallsToolsNobodyOfferedIsA502NotAToolCallsFinish() throws Exception {
        upstream.script("u-agg", UNOFFERED);

        JsonNode error = post(ask("plain", false), 502).path("error");

        assertEquals("upstream_failed", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("the answer calls tools (get_weather) but the request"
                + " offered none"), error.toString());
    }

    @Test
    void aStreamedAggregatorThatCallsToolsNobodyOfferedEndsInAnErrorNotAToolCall() {
        upstream.script("u-agg", UNOFFERED);

        String body = given().contentType(ContentType.JSON).body(ask("plain", true)).when()
                .post("/v1/chat/completions").then().extract().asString();

        assertTrue(body.contains("upstream_failed") && body.contains("offered none"), body);
        assertTrue(!body.contains("\"tool_calls\""), body);
    }

    @Test
    void aFallbackAnswersWhenTheAggregatorCallsToolsNobodyOffered() throws Exception {
        upstream.script("f-agg", UNOFFERED);

        JsonNode reply = post(ask("plain-fallback", false), 200);

        JsonNode choice = reply.path("choices").path(0);
        assertEquals("answer from f-backup", choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
    }

    @Test
    void invalidUtf8InAnAnswerIsDecodedWithReplacementCharactersAndTheAnswerKept() throws Exception {
        byte[] broken = ("{\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": \"caf\u00ff!\"},"
                + " \"finish_reason\": \"stop\"}]}").getBytes(StandardCharsets.ISO_8859_1);
        upstream.script("u-p1", new FakeUpstream.Bytes(200, broken));

        JsonNode reply = post(ask("plain", false), 200);

        JsonNode p1 = reply.path("moa").path("layers").path(0).path("agents").path(0);
        assertEquals("caf\uFFFD!", p1.path("output").asText(), p1.toString());
        Recorded aggregator = upstream.only("u-agg");
        assertTrue(aggregator.system().contains("caf\uFFFD!"), aggregator.system());
    }

    @Test
    void aSequentialChainThatFailsPartWayCountsTheStepsThatRan() throws Exception {
        upstream.script("s-mid-a", new FakeUpstream.Answer("first step", "stop"),
                new FakeUpstream.Status(500, "broke on the second step", Map.of()));

        JsonNode reply = post(ask("seq", false), 200);

        long billed = upstream.requests().stream().filter(r -> r.status() == 200)
                .mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(6, upstream.requests().stream().filter(r -> r.status() == 200).count());
        assertEquals(billed, reply.path("usage").path("total_tokens").asLong(), reply.path("usage").toString());
        JsonNode failed = reply.path("moa").path("layers").path(1).path("agents").path(0);
        assertTrue(failed.path("error").asText().contains("broke on the second step"), failed.toString());
        assertEquals(1, failed.path("steps").size(), failed.toString());
        assertEquals("first step", failed.path("steps").path(0).path("output").asText());
        assertEquals(upstream.requests("s-mid-a").get(0).usage().path("total_tokens").asLong(),
                failed.path("usage").path("total_tokens").asLong(), failed.toString());
    }
}
