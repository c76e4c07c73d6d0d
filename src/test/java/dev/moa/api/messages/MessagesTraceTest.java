package dev.moa.api.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeAnthropic;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.ProtocolsResource;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code "moa": {"trace": true}} on the Messages endpoint: the whole message carries the trace as {@code moa}, and a
 * streamed one carries the same trace on its {@code message_delta} event (the event with the final usage), as a
 * streamed chat answer carries it on its last chunk. Without the flag, neither has one.
 */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
class MessagesTraceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Upstream
    FakeUpstream openai;
    @Upstream
    FakeAnthropic anthropic;
    @Upstream
    TestStore store;

    @BeforeEach
    void setUp() {
        openai.reset();
        anthropic.reset();
        store.mix("traced", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]},"
                + "{\"agents\": [{\"provider\": \"claude\", \"model\": \"claude-x\"}]}]}");
        anthropic.script("claude-x", new FakeUpstream.Answer("the aggregate", "end_turn"));
    }

    @Test
    void aStreamedMessageCarriesTheTraceOnItsMessageDelta() throws IOException {
        JsonNode whole = JSON.readTree(messages(false, true).asString());
        assertEquals(2, whole.at("/moa/layers").size(), whole.toString());

        Response streamed = messages(true, true);
        assertEquals(200, streamed.statusCode(), streamed.asString());
        JsonNode delta = ClaudeCodeReplayTest.data(ClaudeCodeReplayTest.events(streamed.asString()), "message_delta");
        JsonNode layers = delta.at("/moa/layers");
        assertEquals(2, layers.size(), delta.toString());
        assertEquals(whole.at("/moa/mix"), delta.at("/moa/mix"), delta.toString());
        assertEquals(2, layers.get(0).path("agents").size(), delta.toString());
        assertEquals("the aggregate", layers.get(1).at("/agents/0/output").asText(), delta.toString());
    }

    @Test
    void withoutTheFlagNeitherCarriesATrace() throws IOException {
        JsonNode whole = JSON.readTree(messages(false, false).asString());
        assertTrue(whole.path("moa").path("layers").isMissingNode(), whole.toString());
        JsonNode delta = ClaudeCodeReplayTest.data(ClaudeCodeReplayTest.events(messages(true, false).asString()),
                "message_delta");
        assertTrue(delta.path("moa").path("layers").isMissingNode(), delta.toString());
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
    }

    private static Response messages(boolean stream, boolean trace) {
        return given().contentType(ContentType.JSON).body("{\"model\": \"traced\", \"max_tokens\": 100, \"stream\": "
                + stream + (trace ? ", \"moa\": {\"trace\": true}" : "")
                + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").when().post("/v1/messages");
    }
}
