package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.api.ToolListRefusals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Chat's {@code tools}: each refusal names its param and says what is wrong, as OpenAI words it. */
class ChatToolListTest extends ToolListRefusals {

    ChatToolListTest() {
        super("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", ChatRequestParser::parse);
    }

    static Stream<Arguments> refusals() {
        return cases("""
                {} | tools | 'tools' must be a list of tools.
                [1] | tools[0] | Each tool must be an object.
                [{"type": "retrieval"}] | tools[0].type | Tool type 'retrieval' is not supported: only 'function' tools.
                [{"type": "function"}] | tools[0].function | Missing required parameter: 'tools[0].function'.
                [{"type": "function", "function": {"name": "bad name"}}] | tools[0].function.name | 'tools[0].function.name' must be 1 to 64 letters, digits, underscores or dashes.
                [{"type": "function", "function": {}}] | tools[0].function.name | 'tools[0].function.name' must be 1 to 64 letters, digits, underscores or dashes.
                [{"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "a"}}] | tools[1].function.name | Tool names must be unique: 'a' appears twice.
                [{"type": "function", "function": {"name": "a", "description": 5}}] | tools[0].function.description | 'tools[0].function.description' must be a string.
                [{"type": "function", "function": {"name": "a", "parameters": []}}] | tools[0].function.parameters | 'tools[0].function.parameters' must be a JSON schema object.
                """);
    }

    @Test
    void toolsAreKeptExactlyAsSent() {
        String tool = "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true,\"x-extra\":1,"
                + "\"parameters\":{\"type\":\"object\"}}}";
        ChatRequest request = (ChatRequest) withTools("[" + tool + "]");
        assertEquals(List.of(json(tool)), request.options().tools());
    }
}
