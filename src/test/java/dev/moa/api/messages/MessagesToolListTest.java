package dev.moa.api.messages;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.api.ToolListRefusals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Messages API's {@code tools}: each refusal names its param and says what is wrong, as Anthropic words it. */
class MessagesToolListTest extends ToolListRefusals {

    MessagesToolListTest() {
        super("{\"model\": \"m\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", MessagesRequestCodec::parse);
    }

    static Stream<Arguments> refusals() {
        return cases("""
                {} | tools | tools: Input should be a valid list
                [1] | tools.0 | tools.0: Input should be an object
                [{"type": "web_search_20250305", "name": "w"}] | tools.0.type | tools.0: tool type 'web_search_20250305' is not supported: a mix runs only client tools (name, description, input_schema).
                [{"input_schema": {}}] | tools.0.name | tools.0.name: Field required
                [{"name": "bad name", "input_schema": {"type": "object"}}] | tools.0.name | tools.0.name: must be 1 to 64 letters, digits, underscores or dashes
                [{"name": "a", "input_schema": {"type": "object"}}, {"name": "a", "input_schema": {"type": "object"}}] | tools.1.name | tools: tool names must be unique: 'a' appears twice
                [{"name": "a", "description": 5, "input_schema": {"type": "object"}}] | tools.0.description | tools.0.description: Input should be a string
                [{"name": "a"}] | tools.0.input_schema | tools.0.input_schema: Field required (a JSON schema object)
                [{"name": "a", "input_schema": []}] | tools.0.input_schema | tools.0.input_schema: Field required (a JSON schema object)
                """);
    }

    @Test
    void aClientToolBecomesAFunctionDefinition() {
        MessagesRequest request = (MessagesRequest) withTools("[{\"type\": \"custom\", \"name\": \"f\", \"description\": \"d\", "
                + "\"input_schema\": {\"type\": \"object\"}}, {\"name\": \"g\", \"description\": null, "
                + "\"input_schema\": {\"type\": \"object\"}}]");
        List<JsonNode> tools = request.mix().options().tools();
        assertEquals(json("{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\", "
                + "\"parameters\": {\"type\": \"object\"}}}"), tools.get(0));
        assertEquals(json("{\"type\": \"function\", \"function\": {\"name\": \"g\", "
                + "\"parameters\": {\"type\": \"object\"}}}"), tools.get(1));
    }
}
