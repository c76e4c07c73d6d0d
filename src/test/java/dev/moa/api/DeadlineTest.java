package dev.moa.api;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.moa.testing.AnthropicErrorShape.assertAnthropicError;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With a 6 s request deadline: layers share it, and no call outlives its layer's share (3 s each: room for a loaded machine). */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@TestProfile(DeadlineTest.ShortDeadline.class)
class DeadlineTest extends UpstreamTest {

    public static class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moa.deadline", "6s");
        }
    }

    @BeforeEach
    void reset() {
        // timeout_ms far beyond the deadline: the layer's budget must still end the hanging call.
        store.mix("deadline", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "d1", "timeout_ms": 600000},
                              {"provider": "fake", "model": "d2", "timeout_ms": 600000}]},
                  {"agents": [{"provider": "fake", "model": "dagg"}]}]}""");
        // One request first, whatever its outcome: a cold application (first connection, serializers, JIT) on a
        // loaded machine can spend a layer's share before the first answer, which is not what these tests measure.
        run();
        upstream.reset();
    }

    private static io.restassured.response.ValidatableResponse run() {
        return given().contentType(ContentType.JSON)
                .body("{\"model\": \"deadline\", \"moa\": {\"trace\": true}, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .when().post("/v1/chat/completions").then().contentType(ContentType.JSON);
    }

    @Test
    void whenTheLayerBudgetRunsOutItGoesOnWithTheAnswersItHas() throws Exception {
        upstream.script("d2", new FakeUpstream.Hang());
        run().statusCode(200)
                .body("choices[0].message.content", equalTo("answer from dagg"))
                .body("moa.layers[0].agents[1].cut", equalTo(true))
                .body("moa.layers[0].agents[1].error", containsString("time budget ran out"));
        assertTrue(upstream.only("dagg").system().endsWith("1. answer from d1"));
        assertTrue(upstream.awaitDisconnects("d2", 1));
    }

    @Test
    void nothingUsableBeforeTheDeadlineIs504() throws Exception {
        upstream.script("d1", new FakeUpstream.Hang());
        upstream.script("d2", new FakeUpstream.Hang());
        run().statusCode(504)
                .body("error.type", equalTo("timeout_error"))
                .body("error.code", equalTo("deadline_exceeded"))
                .body("error.message", containsString("layer 1 got 0 of the 1 answers it needs before its time ran out"));
        assertTrue(upstream.awaitDisconnects("d1", 1));
        assertTrue(upstream.awaitDisconnects("d2", 1));
        assertEquals(0, upstream.requests("dagg").size());
    }

    /**
     * On {@code /v1/messages} the same 504 is Anthropic's {@code api_error}, whole and streamed (nothing was sent
     * before time ran out), naming the failures without the key an upstream echoed.
     */
    @Test
    void onTheMessagesApiTheDeadlineIsA504ApiErrorWithoutTheKey() throws Exception {
        for (boolean stream : List.of(false, true)) {
            upstream.reset();
            upstream.script("d1", new FakeUpstream.Status(400, "bad key " + TestStore.SECRET_KEY, Map.of()));
            upstream.script("d2", new FakeUpstream.Hang());
            Response response = given().contentType(ContentType.JSON).body("{\"model\": \"deadline\", \"max_tokens\": "
                    + "10, \"stream\": " + stream + ", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                    .when().post("/v1/messages");
            assertEquals(504, response.statusCode(), response.asString());
            String message = assertAnthropicError(response, "api_error");
            assertTrue(message.contains("layer 1 got 0 of the 1 answers it needs before its time ran out"), message);
            assertTrue(message.contains("HTTP 400: bad key"), message);
            assertFalse(response.asString().contains(TestStore.SECRET_KEY), response.asString());
            assertTrue(upstream.awaitDisconnects("d2", 1));
        }
    }

    @Test
    void aSlowAggregatorIsCutAtTheDeadlineWith504() throws Exception {
        upstream.script("dagg", new FakeUpstream.Hang());
        run().statusCode(504).body("error.message", containsString("layer 2 got 0 of the 1"));
        assertTrue(upstream.awaitDisconnects("dagg", 1));
    }
}
