package dev.moa.provider.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The request body written member by member is exactly what Jackson's databind writes for the record. */
class OpenAiRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aPlainCallIsWrittenAsDatabindWritesIt() throws Exception {
        CompletionCall call = new CompletionCall("gpt-4o", List.of(Message.system("be brief"),
                Message.user("héllo \"there\"\n\u0001 😀")), Sampling.NONE);
        assertSame(OpenAiRequest.of(call, false));
        assertSame(OpenAiRequest.of(call, true));
    }

    @Test
    void everyOptionAndToolTurnIsWrittenAsDatabindWritesIt() throws Exception {
        CallOptions options = new CallOptions(
                List.of(JSON.readTree("{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}")),
                JSON.readTree("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"), false,
                JSON.readTree("{\"type\":\"json_object\"}"), 42L, JSON.readTree("{\"50256\":-100}"), 0.5, -1.25,
                "user-1", JSON.readTree("{\"k\":\"v\"}"), "flex", "low");
        List<Message> messages = List.of(Message.user("call it"),
                Message.assistant("", List.of(new ToolCall("call_1", "f", "{\"a\":1}"), new ToolCall(null, "g", null))),
                Message.toolResult("call_1", "42"), Message.assistant("with text", List.of(new ToolCall("c2", "f", "{}"))));
        CompletionCall call = new CompletionCall("m", messages, new Sampling(0.7, 100, 1.0, List.of("x", "y")),
                options);
        assertSame(OpenAiRequest.of(call, false));
        assertSame(OpenAiRequest.of(call, true));
    }

    @Test
    void explicitJsonNullsAndExtremeNumbersAreWrittenAsDatabindWritesThem() throws Exception {
        CallOptions options = new CallOptions(List.of(), NullNode.getInstance(), null, NullNode.getInstance(),
                Long.MIN_VALUE, null, Double.MIN_VALUE, 1e300, null, NullNode.getInstance(), null, null);
        CompletionCall call = new CompletionCall("m", List.of(Message.user("")),
                new Sampling(0.0, 0, 1e-7, List.of()), options);
        assertSame(OpenAiRequest.of(call, false));
    }

    private static void assertSame(OpenAiRequest request) throws Exception {
        // Bytes, as the body is sent (Jackson's UTF-8 writer escapes characters beyond the BMP, its String writer does not).
        assertEquals(new String(JSON.writeValueAsBytes(request), StandardCharsets.UTF_8),
                new String(request.toJson(JSON), StandardCharsets.UTF_8));
    }
}
