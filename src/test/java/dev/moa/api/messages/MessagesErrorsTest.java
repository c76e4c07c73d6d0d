package dev.moa.api.messages;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.moa.testing.AnthropicErrorShape.assertAnthropicError;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input on {@code /v1/messages} gets a 4xx in Anthropic's error shape and calls no model; failures of the mix
 * keep the status chat gives them, in Anthropic's words.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class MessagesErrorsTest extends UpstreamTest {

    private static final String USER = "[{\"role\": \"user\", \"content\": \"hi\"}]";

    @BeforeEach
    void mix() {
        store.mix("err-mix", AnthropicSdkTest.mix("er"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // max_tokens missing, of the wrong type, zero
            "{\"model\": \"err-mix\", \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": \"ten\", \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 0, \"messages\": " + USER + "}",
            // wrong types
            "{\"model\": 7, \"max_tokens\": 10, \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": \"hi\"}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": []}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"temperature\": 3, \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"stream\": \"yes\", \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"system\": 5, \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}",
            // unknown and refused block types
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": "
                    + "[{\"type\": \"image\", \"source\": {\"type\": \"base64\", \"media_type\": \"image/png\", \"data\": \"AA==\"}}]}]}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": "
                    + "[{\"type\": \"document\", \"source\": {\"type\": \"text\", \"media_type\": \"text/plain\", \"data\": \"x\"}}]}]}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": "
                    + "[{\"type\": \"hologram\", \"text\": \"x\"}]}]}",
            // a tool_result answering no tool_use; a server tool; a tool without input_schema; a bad tool_choice
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": "
                    + "[{\"type\": \"tool_result\", \"tool_use_id\": \"toolu_x\", \"content\": \"r\"}]}]}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"tools\": [{\"type\": \"web_search_20250305\", "
                    + "\"name\": \"web_search\"}], \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"tools\": [{\"name\": \"t\"}], \"messages\": " + USER + "}",
            "{\"model\": \"err-mix\", \"max_tokens\": 10, \"tool_choice\": {\"type\": \"sometimes\"}, \"messages\": "
                    + USER + "}",
            // not JSON, not an object, two values
            "{\"model\": ",
            "[1, 2]",
            "{} {}"})
    void badInputIsAnAnthropicInvalidRequestErrorAndCallsNoModel(String body) {
        Response response = post(body);
        assertEquals(400, response.statusCode(), response.asString());
        assertAnthropicError(response, "invalid_request_error");
        assertTrue(upstream.requests().isEmpty(), "no upstream call");
    }

    @Test
    void aBodyOverSixMegabytesIsRefusedUnread() {
        String big = "{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \""
                + "a".repeat(6 * 1024 * 1024) + "\"}]}";
        Response response = post(big);
        assertEquals(413, response.statusCode());
        assertAnthropicError(response, "request_too_large");
        assertTrue(upstream.requests().isEmpty(), "no upstream call");
    }

    @Test
    void anUnknownMixIsNotFound() {
        Response response = post("{\"model\": \"no-such-mix\", \"max_tokens\": 10, \"messages\": " + USER + "}");
        assertEquals(404, response.statusCode());
        assertAnthropicError(response, "not_found_error");
    }

    /** Sub-paths of the route are unknown URLs, in Anthropic's shape as everything under /v1/messages. */
    @Test
    void aSubPathOfTheRouteIsAnAnthropicNotFound() {
        Response response = given().contentType(ContentType.JSON).body("{}").when().post("/v1/messages/x");
        assertEquals(404, response.statusCode(), response.asString());
        assertAnthropicError(response, "not_found_error");
        assertEquals("Invalid URL (POST /v1/messages/x)", response.path("error.message"));
        response = given().contentType(ContentType.JSON).body("{}").when().post("/v1/messages/count_tokens/x");
        assertEquals(404, response.statusCode(), response.asString());
        assertAnthropicError(response, "not_found_error");
        assertTrue(upstream.requests().isEmpty(), "no upstream call");
    }

    /** The fake provider has no prices: the count is under moa, Anthropic's usage keeps its own fields. */
    @Test
    void unpricedCallsAreCountedUnderMoaNotInUsage() {
        Response response = post("{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": " + USER + "}");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals(3, (int) response.path("moa.cost_unpriced_calls"), response.asString());
        assertTrue(response.jsonPath().getMap("usage").keySet().stream().noneMatch("cost_unpriced_calls"::equals),
                response.asString());
        assertEquals("3", response.header("x-moa-cost-unpriced-calls"));
    }

    /**
     * Every upstream answering 503 (and echoing the key it was sent) is a failed layer: chat's 502, an api_error, and
     * the upstreams' messages in it with the key redacted. (A 503 of ours means an unavailable store; LimitsDynamoTest
     * has one on this endpoint.)
     */
    @Test
    void failedUpstreamsAreAnApiErrorWithChatsStatus() {
        FakeUpstream.Status overloaded = new FakeUpstream.Status(503, "overloaded; your key " + TestStore.SECRET_KEY,
                Map.of());
        upstream.script("er-p1", overloaded);
        upstream.script("er-p2", overloaded);
        upstream.script("er-agg", overloaded);
        Response whole = post("{\"model\": \"err-mix\", \"max_tokens\": 10, \"messages\": " + USER + "}");
        assertEquals(502, whole.statusCode(), whole.asString());
        assertAnthropicError(whole, "api_error");
        assertTrue(whole.<String>path("error.message").contains("HTTP 503: overloaded"), whole.asString());
        assertFalse(whole.asString().contains(TestStore.SECRET_KEY), whole.asString());
        Response streamed = post("{\"model\": \"err-mix\", \"max_tokens\": 10, \"stream\": true, \"messages\": "
                + USER + "}");
        assertEquals(502, streamed.statusCode(), "nothing was sent yet, so the failure is the response: "
                + streamed.asString());
        assertAnthropicError(streamed, "api_error");
        assertFalse(streamed.asString().contains(TestStore.SECRET_KEY), streamed.asString());
    }

    @Test
    void anAggregatorThatFailsMidAnswerEndsTheStreamWithAnErrorEvent() throws Exception {
        upstream.script("er-agg", FakeUpstream.Streamed.of("Half an ", "answer").ending(FakeUpstream.Ending.DROP));
        Response streamed = post("{\"model\": \"err-mix\", \"max_tokens\": 10, \"stream\": true, \"messages\": "
                + USER + "}");
        assertEquals(200, streamed.statusCode(), "the words were already out");
        var events = ClaudeCodeReplayTest.events(streamed.asString());
        var types = events.stream().map(java.util.Map.Entry::getKey).filter(t -> !t.equals("ping")).toList();
        assertEquals(java.util.List.of("message_start", "content_block_start", "content_block_delta",
                "content_block_delta", "error"), types, streamed.asString());
        var error = ClaudeCodeReplayTest.data(events, "error");
        assertEquals("error", error.path("type").asText());
        assertEquals("api_error", error.at("/error/type").asText());
        assertTrue(error.at("/error/message").asText().startsWith("The answer was cut off"), error.toString());
    }

    @Test
    void claudeCodesBetaQueryAndAnthropicHeadersAreAccepted() {
        Response response = given().contentType(ContentType.JSON).header("anthropic-version", "2023-06-01")
                .header("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14")
                .header("x-api-key", "sk-ant-whatever")
                .body("{\"model\": \"err-mix\", \"max_tokens\": 10, \"thinking\": {\"type\": \"enabled\", "
                        + "\"budget_tokens\": 1024}, \"messages\": [{\"role\": \"user\", \"content\": "
                        + "[{\"type\": \"text\", \"text\": \"hi\", \"cache_control\": {\"type\": \"ephemeral\"}}]}, "
                        + "{\"role\": \"assistant\", \"content\": [{\"type\": \"thinking\", \"thinking\": \"hmm\", "
                        + "\"signature\": \"s\"}, {\"type\": \"text\", \"text\": \"yes?\"}]}, "
                        + "{\"role\": \"user\", \"content\": \"go on\"}]}")
                .when().post("/v1/messages?beta=true");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("answer from er-agg", response.path("content[0].text"));
        String sent = upstream.only("er-p1").body().toString();
        assertTrue(!sent.contains("hmm"), "earlier thinking is not sent on: " + sent);
        assertTrue(sent.contains("yes?"), sent);
    }

    @Test
    void countTokensEstimatesAndChecksItsBody() {
        Response counted = given().contentType(ContentType.JSON)
                .body("{\"model\": \"err-mix\", \"messages\": [{\"role\": \"user\", \"content\": \"" + "a".repeat(400)
                        + "\"}]}")
                .when().post("/v1/messages/count_tokens");
        assertEquals(200, counted.statusCode(), counted.asString());
        assertEquals(100, counted.jsonPath().getInt("input_tokens"), "characters / 4, as reference budgets count");
        Response bad = given().contentType(ContentType.JSON).body("{\"model\": \"err-mix\"}")
                .when().post("/v1/messages/count_tokens");
        assertEquals(400, bad.statusCode());
        assertAnthropicError(bad, "invalid_request_error");
        assertTrue(upstream.requests().isEmpty(), "counting calls no model");
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/messages");
    }
}
