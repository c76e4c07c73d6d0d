package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.api.ToolListRefusals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Responses API's {@code tools}: each refusal names its param and says what is wrong, as OpenAI words it. */
class ResponsesToolListTest extends ToolListRefusals {

    ResponsesToolListTest() {
        super("{\"model\": \"m\", \"input\": \"x\"}", ResponsesRequestCodec::parse);
    }

    static Stream<Arguments> refusals() {
        return cases("""
                "f" | tools | 'tools' must be a list of tools.
                [{"type": "function", "name": "a"}, []] | tools[1] | Each tool must be an object.
                [{"type": "x"}] | tools[0].type | Tool type 'x' is not supported: only 'function' tools.
                [{"type": "function", "name": "bad name"}] | tools[0].name | 'tools[0].name' must be 1 to 64 letters, digits, underscores or dashes.
                [{"type": "function"}] | tools[0].name | 'tools[0].name' must be 1 to 64 letters, digits, underscores or dashes.
                [{"type": "function", "name": "a"}, {"type": "function", "name": "a"}] | tools[1].name | Tool names must be unique: 'a' appears twice.
                [{"type": "function", "name": "a", "description": 5}] | tools[0].description | 'tools[0].description' must be a string.
                [{"type": "function", "name": "a", "parameters": []}] | tools[0].parameters | 'tools[0].parameters' must be a JSON schema object.
                [{"type": "function", "name": "a", "strict": "yes"}] | tools[0].strict | 'tools[0].strict' must be true or false.
                """);
    }

    @Test
    void aFunctionToolBecomesAFunctionDefinition() {
        ResponsesRequest request = (ResponsesRequest) withTools("[{\"type\": \"function\", \"name\": \"f\", \"description\": null, "
                + "\"parameters\": null, \"strict\": true}]");
        List<JsonNode> tools = request.options().tools();
        assertEquals(json("{\"type\": \"function\", \"function\": {\"name\": \"f\", "
                + "\"parameters\": {\"type\": \"object\"}, \"strict\": true}}"), tools.get(0));
    }
}
