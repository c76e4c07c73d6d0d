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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an Anthropic aggregator's answer carries to a Messages client, whole and streamed: its stop reason in its own
 * word (stop_sequence stays apart from end_turn) while a chat client still gets OpenAI's; and, with
 * {@code "moa": {"trace": true}}, the trace: as {@code moa} on the whole message, and on a streamed one's
 * {@code message_delta} event (the event with the final usage), as a streamed chat answer carries it on its last
 * chunk. Without the flag, neither has one.
 */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
class MessagesAggregateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE = ", \"moa\": {\"trace\": true}";

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
        store.mix("claude-agg", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]},"
                + "{\"agents\": [{\"provider\": \"claude\", \"model\": \"claude-x\"}]}]}");
        anthropic.script("claude-x", new FakeUpstream.Answer("the aggregate", "end_turn"));
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "max_tokens,length"})
    void stopReasonsKeepTheirAnthropicWord(String stopReason, String finishReason) throws IOException {
        anthropic.script("claude-x", new FakeUpstream.Answer("the aggregate", stopReason));
        Response whole = messages(false, ", \"stop_sequences\": [\"END\"]");
        assertEquals(200, whole.statusCode(), whole.asString());
        assertEquals(stopReason, whole.path("stop_reason"));
        assertEquals("the aggregate", whole.path("content[0].text"));
        // stop_sequence is always there: the sequence that stopped the answer, else null.
        JsonNode expectedSequence = stopReason.equals("stop_sequence") ? JSON.getNodeFactory().textNode("END")
                : JSON.getNodeFactory().nullNode();
        JsonNode message = JSON.readTree(whole.asString());
        assertEquals(expectedSequence, message.get("stop_sequence"), message.toString());

        Response streamed = messages(true, ", \"stop_sequences\": [\"END\"]");
        JsonNode delta = ClaudeCodeReplayTest.data(ClaudeCodeReplayTest.events(streamed.asString()), "message_delta");
        assertEquals(stopReason, delta.at("/delta/stop_reason").asText(), streamed.asString());
        assertEquals(expectedSequence, delta.path("delta").get("stop_sequence"), delta.toString());

        Response chat = given().contentType(ContentType.JSON).body("{\"model\": \"claude-agg\", \"messages\": "
                + "[{\"role\": \"user\", \"content\": \"hi\"}]}").when().post("/v1/chat/completions");
        assertEquals(finishReason, chat.path("choices[0].finish_reason"), chat.asString());
    }

    /**
     * Usage carries both cache fields, whole and streamed (message_start and message_delta): the aggregator's cache
     * reads ({@link FakeAnthropic#CACHE_READ_TOKENS}; the OpenAI proposers report none) and no cache writes.
     */
    @Test
    void usageCarriesTheCacheFields() throws IOException {
        JsonNode whole = JSON.readTree(messages(false, "").asString());
        assertCacheFields(whole.path("usage"), FakeAnthropic.CACHE_READ_TOKENS);

        var events = ClaudeCodeReplayTest.events(messages(true, "").asString());
        assertCacheFields(ClaudeCodeReplayTest.data(events, "message_start").at("/message/usage"), 0);
        assertCacheFields(ClaudeCodeReplayTest.data(events, "message_delta").path("usage"),
                FakeAnthropic.CACHE_READ_TOKENS);
    }

    private static void assertCacheFields(JsonNode usage, long cacheRead) {
        assertTrue(usage.path("cache_creation_input_tokens").isIntegralNumber(), usage.toString());
        assertEquals(0, usage.path("cache_creation_input_tokens").asLong(), usage.toString());
        assertTrue(usage.path("cache_read_input_tokens").isIntegralNumber(), usage.toString());
        assertEquals(cacheRead, usage.path("cache_read_input_tokens").asLong(), usage.toString());
    }

    @Test
    void aStreamedMessageCarriesTheTraceOnItsMessageDelta() throws IOException {
        JsonNode whole = JSON.readTree(messages(false, TRACE).asString());
        assertEquals(2, whole.at("/moa/layers").size(), whole.toString());

        Response streamed = messages(true, TRACE);
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
        JsonNode whole = JSON.readTree(messages(false, "").asString());
        assertTrue(whole.path("moa").path("layers").isMissingNode(), whole.toString());
        JsonNode delta = ClaudeCodeReplayTest.data(ClaudeCodeReplayTest.events(messages(true, "").asString()),
                "message_delta");
        assertTrue(delta.path("moa").path("layers").isMissingNode(), delta.toString());
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
    }

    /** A message to the mix, whole or streamed, with {@code extra} fields. */
    private static Response messages(boolean stream, String extra) {
        return given().contentType(ContentType.JSON).body("{\"model\": \"claude-agg\", \"max_tokens\": 100, "
                + "\"stream\": " + stream + extra
                + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").when().post("/v1/messages");
    }
}
