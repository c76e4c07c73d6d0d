package dev.moa.api.messages;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An Anthropic aggregator's stop reason reaches a Messages client in its own word (stop_sequence stays apart from
 * end_turn), whole and streamed, while a chat client still gets OpenAI's.
 */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
class MessagesStopReasonsTest {

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
        store.mix("claude-agg", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"gpt-x\"}]},"
                + "{\"agents\": [{\"provider\": \"claude\", \"model\": \"claude-x\"}]}]}");
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "max_tokens,length"})
    void stopReasonsKeepTheirAnthropicWord(String stopReason, String finishReason) throws IOException {
        anthropic.script("claude-x", new FakeUpstream.Answer("the aggregate", stopReason));
        Response whole = messages(false);
        assertEquals(200, whole.statusCode(), whole.asString());
        assertEquals(stopReason, whole.path("stop_reason"));
        assertEquals("the aggregate", whole.path("content[0].text"));

        Response streamed = messages(true);
        assertEquals(stopReason, ClaudeCodeReplayTest.data(ClaudeCodeReplayTest.events(streamed.asString()),
                "message_delta").at("/delta/stop_reason").asText(), streamed.asString());

        Response chat = given().contentType(ContentType.JSON).body("{\"model\": \"claude-agg\", \"messages\": "
                + "[{\"role\": \"user\", \"content\": \"hi\"}]}").when().post("/v1/chat/completions");
        assertEquals(finishReason, chat.path("choices[0].finish_reason"), chat.asString());
    }

    private static Response messages(boolean stream) {
        return given().contentType(ContentType.JSON).body("{\"model\": \"claude-agg\", \"max_tokens\": 100, "
                + "\"stop_sequences\": [\"END\"], \"stream\": " + stream
                + ", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").when().post("/v1/messages");
    }
}
