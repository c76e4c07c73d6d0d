package dev.moa.api;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Answer;
import dev.moa.testing.FakeUpstream.Drop;
import dev.moa.testing.FakeUpstream.Hang;
import dev.moa.testing.FakeUpstream.RawBody;
import dev.moa.testing.FakeUpstream.Status;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One upstream fault per test, injected into one proposer ("f1") of a two-proposer layer: retried when
 * retrying can help, counted as failed when it cannot, and every attempt is in the trace.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class FaultMatrixTest extends UpstreamTest {

    @BeforeEach
    void reset() {
        store.mix("faults", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "f1", "timeout_ms": 300}, {"provider": "fake", "model": "f2"}]},
                  {"agents": [{"provider": "fake", "model": "fagg"}]}]}""");
    }

    private static ValidatableResponse run(String mix) {
        return given().contentType(ContentType.JSON)
                .body("{\"model\": \"" + mix + "\", \"moa\": {\"trace\": true}, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .when().post("/v1/chat/completions").then().contentType(ContentType.JSON);
    }

    /** The fault makes f1 fail for good: the request still answers with f2's work alone. */
    private ValidatableResponse assertF1Failed(int attempts, String error) {
        ValidatableResponse response = run("faults").statusCode(200)
                .body("moa.layers[0].agents[0].output", nullValue())
                .body("moa.layers[0].agents[0].error", containsString(error))
                .body("moa.layers[0].agents[0].attempts.size()", equalTo(attempts))
                .body("moa.layers[0].agents[1].output", equalTo("answer from f2"));
        assertEquals(attempts, upstream.requests("f1").size());
        String references = upstream.only("fagg").system();
        assertTrue(references.endsWith("\n\n1. answer from f2"), references);
        return response;
    }

    /** The fault hits f1 once; the retry answers. */
    private ValidatableResponse assertF1Recovered(String firstError) {
        ValidatableResponse response = run("faults").statusCode(200)
                .body("moa.layers[0].agents[0].output", equalTo("answer from f1"))
                .body("moa.layers[0].agents[0].attempts.size()", equalTo(2))
                .body("moa.layers[0].agents[0].attempts[0].error", containsString(firstError))
                .body("moa.layers[0].agents[0].attempts[1].error", nullValue());
        assertTrue(upstream.only("fagg").system().contains("answer from f1"));
        return response;
    }

    @Test
    void rateLimitWithRetryAfterIsRetriedAfterTheWait() {
        upstream.script("f1", new Status(429, "rate limited", Map.of("Retry-After", "1")), new Answer(null, "stop"));
        assertF1Recovered("HTTP 429: rate limited").body("moa.layers[0].agents[0].attempts[0].status", equalTo(429));
        List<FakeUpstream.Recorded> calls = upstream.requests("f1");
        assertTrue(calls.get(1).startNanos() - calls.get(0).endNanos() >= 1_000_000_000L);
    }

    @Test
    void serverError500IsRetriedAndFailsWhenItPersists() {
        upstream.script("f1", new Status(500, "internal", Map.of()));
        assertF1Failed(3, "HTTP 500: internal")
                .body("moa.layers[0].agents[0].attempts.status", hasItems(500, 500, 500));
    }

    @Test
    void serviceUnavailable503IsRetried() {
        upstream.script("f1", new Status(503, "overloaded", Map.of()), new Answer(null, "stop"));
        assertF1Recovered("HTTP 503: overloaded");
    }

    @Test
    void clientError400IsNotRetried() {
        upstream.script("f1", new Status(400, "unknown model", Map.of()));
        assertF1Failed(1, "HTTP 400: unknown model");
    }

    @Test
    void timeoutIsRetriedAndEachTimedOutRequestIsClosed() throws Exception {
        upstream.script("f1", new Hang());
        assertF1Failed(3, "no answer within 300 ms");
        assertTrue(upstream.awaitDisconnects("f1", 3), "every timed-out request was closed, not left running");
    }

    @Test
    void timeoutThenAnswer() {
        upstream.script("f1", new Hang(), new Answer(null, "stop"));
        assertF1Recovered("no answer within 300 ms");
    }

    @Test
    void aBodyThatIsNotJsonFailsWithoutRetry() {
        upstream.script("f1", new RawBody(200, "<html>gateway says hi</html>"));
        assertF1Failed(1, "unusable response: body is not JSON");
    }

    @Test
    void malformedJsonFailsWithoutRetry() {
        upstream.script("f1", new RawBody(200, "{\"choices\": [{\"message\": "));
        assertF1Failed(1, "unusable response: body is not JSON");
    }

    @Test
    void aDroppedConnectionIsRetried() {
        upstream.script("f1", new Drop(), new Answer(null, "stop"));
        assertF1Recovered("connection failed");
    }

    @Test
    void emptyChoicesFailWithoutRetry() {
        upstream.script("f1", new RawBody(200, "{\"id\": \"x\", \"choices\": []}"));
        assertF1Failed(1, "unusable response: no choices");
    }

    @Test
    void nullContentFailsWithoutRetry() {
        upstream.script("f1", new RawBody(200,
                "{\"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": null}}]}"));
        assertF1Failed(1, "choices[0].message.content is missing or not text");
    }

    @Test
    void quorumIsRespected() {
        store.mix("quorum", """
                {"layers": [
                  {"min_successes": 2, "agents": [{"provider": "fake", "model": "f1"}, {"provider": "fake", "model": "f2"}]},
                  {"agents": [{"provider": "fake", "model": "fagg"}]}]}""");
        upstream.script("f1", new RawBody(200, "not json"));
        run("quorum").statusCode(502)
                .body("error.code", equalTo("upstream_failed"))
                .body("error.message", containsString("layer 1 got 1 of the 2 answers it needs"))
                .body("error.message", containsString("fake/f1 (unusable response: body is not JSON)"));
        assertTrue(upstream.requests("fagg").isEmpty());
    }

    @Test
    void fallbacksAreTriedInOrderAfterTheAgentsOwnRetries() {
        store.mix("fallbacks", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "primary", "retries": 1, "temperature": 0.3,
                               "fallbacks": [{"provider": "fake", "model": "second", "retries": 0},
                                             {"provider": "fake-open", "model": "third"}]}]},
                  {"agents": [{"provider": "fake", "model": "fagg"}]}]}""");
        upstream.script("primary", new Status(503, "down", Map.of()));
        upstream.script("second", new Status(404, "no such model", Map.of()));
        run("fallbacks").statusCode(200)
                .body("moa.layers[0].agents[0].provider", equalTo("fake"))
                .body("moa.layers[0].agents[0].model", equalTo("primary"))
                .body("moa.layers[0].agents[0].output", equalTo("answer from third"))
                .body("moa.layers[0].agents[0].attempts.model", equalTo(List.of("primary", "primary", "second", "third")))
                .body("moa.layers[0].agents[0].attempts.provider", equalTo(List.of("fake", "fake", "fake", "fake-open")))
                .body("moa.layers[0].agents[0].attempts.status", equalTo(java.util.Arrays.asList(503, 503, 404, null)));
        assertEquals(0.3, upstream.only("third").body().path("temperature").asDouble(),
                "a fallback inherits what it does not set");
        assertTrue(upstream.only("fagg").system().endsWith("1. answer from third"));
    }

    @Test
    void whenEveryFallbackFailsTheAgentFails() {
        store.mix("all-fail", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "primary", "retries": 0,
                               "fallbacks": [{"provider": "fake", "model": "second", "retries": 0}]}]},
                  {"agents": [{"provider": "fake", "model": "fagg"}]}]}""");
        upstream.script("primary", new Status(500, "a", Map.of()));
        upstream.script("second", new Status(500, "b", Map.of()));
        run("all-fail").statusCode(502)
                .body("error.message", containsString("fake/primary (HTTP 500: b, 2 attempts)"));
    }

    @Test
    void theAggregatorFailingIs502() {
        upstream.script("fagg", new Status(500, "aggregator down", Map.of()));
        String body = run("faults").statusCode(502)
                .body("error.message", containsString("layer 2 got 0 of the 1 answers it needs"))
                .body("error.message", containsString("fake/fagg (HTTP 500: aggregator down, 3 attempts)"))
                .extract().asString();
        assertFalse(body.contains(TestStore.SECRET_KEY));
    }
}
