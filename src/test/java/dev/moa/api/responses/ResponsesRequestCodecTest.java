package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.model.MoaError;
import dev.moa.provider.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Responses request codec: what it takes, what it makes of it, and what it refuses, naming the field. */
class ResponsesRequestCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ResponsesRequest parse(String body) {
        return ResponsesRequestCodec.parse(json(body));
    }

    private static List<Message> turns(ResponsesRequest request) {
        return ResponsesRequestCodec.conversation(request.instructions(), List.of(), request.input());
    }

    @Test
    void aStringInputIsOneUserMessage() {
        ResponsesRequest request = parse("{\"model\": \"mix\", \"input\": \"Hello\", \"instructions\": \"Be brief.\"}");
        assertEquals("mix", request.model());
        assertTrue(request.store(), "store defaults to true, as OpenAI's");
        assertEquals(1, request.input().size());
        Item.Message message = (Item.Message) request.input().get(0);
        assertEquals("user", message.role());
        assertTrue(message.id().startsWith("msg_"));
        assertEquals(List.of(Message.system("Be brief."), Message.user("Hello")), turns(request));
    }

    @Test
    void itemsBecomeTheConversationAndReasoningIsNotSentOn() {
        ResponsesRequest request = parse("""
                {"model": "mix", "input": [
                  {"type": "message", "role": "developer", "content": "Use tools."},
                  {"role": "user", "content": [{"type": "input_text", "text": "Weather"},
                                               {"type": "input_text", "text": "in Paris?"}]},
                  {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "opaque"},
                  {"type": "message", "role": "assistant", "id": "msg_a",
                   "content": [{"type": "output_text", "text": "Let me look.", "annotations": []}]},
                  {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\\"city\\":\\"Paris\\"}"},
                  {"type": "function_call", "call_id": "call_2", "name": "time", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "call_1", "output": "21 C"},
                  {"type": "function_call_output", "call_id": "call_2",
                   "output": [{"type": "input_text", "text": "noon"}]},
                  {"type": "message", "role": "system", "content": "Answer now."}]}""");
        List<Message> turns = turns(request);
        assertEquals(6, turns.size(), turns.toString());
        assertEquals(Message.system("Use tools."), turns.get(0));
        assertEquals(Message.user("Weather\nin Paris?"), turns.get(1));
        Message assistant = turns.get(2);
        assertEquals("Let me look.", assistant.content());
        assertEquals(List.of("call_1", "call_2"), assistant.toolCalls().stream().map(c -> c.id()).toList(),
                "calls right after the assistant's text are that turn's calls");
        assertEquals("{\"city\":\"Paris\"}", assistant.toolCalls().get(0).arguments());
        assertEquals(Message.toolResult("call_1", "21 C"), turns.get(3));
        assertEquals(Message.toolResult("call_2", "noon"), turns.get(4));
        assertEquals(Message.system("Answer now."), turns.get(5));
        assertEquals(9, request.input().size(), "every item is kept (input_items lists them), reasoning included");
        assertEquals("msg_a", request.input().get(3).id(), "the client's ids are kept");
    }

    @Test
    void aFunctionCallWithoutAssistantTextIsItsOwnTurn() {
        List<Message> turns = turns(parse("""
                {"model": "mix", "input": [{"role": "user", "content": "go"},
                  {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c", "output": "done"}]}"""));
        assertEquals(3, turns.size());
        assertEquals("", turns.get(1).content());
        assertEquals("f", turns.get(1).toolCalls().get(0).name());
    }

    @Test
    void optionsMapToThePipelinesFields() {
        ResponsesRequest request = parse("""
                {"model": "mix", "input": "hi", "temperature": 0.5, "top_p": 0.9, "max_output_tokens": 300,
                 "tools": [{"type": "function", "name": "weather", "description": "Weather in a city",
                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                            "strict": true}],
                 "tool_choice": {"type": "function", "name": "weather"}, "parallel_tool_calls": false,
                 "text": {"format": {"type": "json_schema", "name": "report", "strict": true,
                                     "schema": {"type": "object"}}},
                 "reasoning": {"effort": "low", "summary": "auto"}, "user": "u1", "metadata": {"k": "v"},
                 "prompt_cache_key": "pc", "include": ["reasoning.encrypted_content"], "store": false,
                 "previous_response_id": "resp_abc", "stream": true, "moa": {"trace": true},
                 "client_metadata": {"ignored": "as on chat"}}""");
        assertEquals(0.5, request.sampling().temperature());
        assertEquals(0.9, request.sampling().topP());
        assertEquals(300, request.sampling().maxTokens());
        JsonNode tool = request.options().tools().get(0);
        assertEquals(json("""
                {"type": "function", "function": {"name": "weather", "description": "Weather in a city",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}}"""),
                tool);
        assertEquals(json("{\"type\": \"function\", \"function\": {\"name\": \"weather\"}}"),
                request.options().toolChoice());
        assertEquals(false, request.options().parallelToolCalls());
        assertEquals(json("{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"report\", "
                + "\"schema\": {\"type\": \"object\"}, \"strict\": true}}"), request.options().responseFormat());
        assertEquals("low", request.options().reasoningEffort());
        assertEquals("u1", request.options().user());
        assertNull(request.options().metadata(), "metadata describes the stored response; it is not sent on");
        assertEquals(json("{\"k\": \"v\"}"), request.echo().metadata());
        assertEquals("pc", request.echo().promptCacheKey());
        assertEquals(false, request.store());
        assertEquals("resp_abc", request.previousResponseId());
        assertTrue(request.stream());
        assertTrue(request.trace());
        assertEquals("weather", request.echo().tools().get(0).path("name").asText(), "the response repeats the "
                + "tools as the client wrote them");
    }

    @Test
    void jsonObjectAndTextFormatsAndAutoToolChoiceWithoutTools() {
        ResponsesRequest json = parse("{\"model\": \"m\", \"input\": \"x\", \"text\": {\"format\": {\"type\": "
                + "\"json_object\"}, \"verbosity\": \"low\"}, \"tool_choice\": \"auto\"}");
        assertEquals(json("{\"type\": \"json_object\"}"), json.options().responseFormat());
        assertNull(json.options().toolChoice(), "no tools: nothing to choose between, nothing sent on");
        assertEquals("json_object", json.echo().text().path("format").path("type").asText());
        ResponsesRequest text = parse("{\"model\": \"m\", \"input\": \"x\", \"text\": {\"format\": {\"type\": \"text\"}}}");
        assertEquals("text", text.options().responseFormatType());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"input": "x"}                                                                       | model
            {"model": 3, "input": "x"}                                                           | model
            {"model": "m"}                                                                       | input
            {"model": "m", "input": 5}                                                           | input
            {"model": "m", "input": []}                                                          | input
            {"model": "m", "input": [{"type": "message", "role": "tool", "content": "x"}]}       | input[0].role
            {"model": "m", "input": [{"type": "message", "role": "user"}]}                       | input[0].content
            {"model": "m", "input": [{"type": "computer_call", "id": "x"}]}                      | input[0].type
            {"model": "m", "input": [{"type": "custom_tool_call_output", "call_id": "c"}]}       | input[0].type
            {"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]}                 | input[0].type
            {"model": "m", "input": [{"content": "no type, no role"}]}                           | input[0].type
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "image_url": "u"}]}]} | input[0].content[0].type
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}    | input[0].content[0].type
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_audio"}]}]}    | input[0].content[0].type
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]}     | input[0].content[0].text
            {"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "{}"}]} | input[0].call_id
            {"model": "m", "input": [{"type": "function_call_output", "call_id": "c"}]}          | input[0].output
            {"model": "m", "input": "x", "tools": [{"type": "web_search"}]}                      | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "file_search", "vector_store_ids": []}]} | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "code_interpreter", "container": {}}]} | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "computer_use_preview"}]}            | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "image_generation"}]}                | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "mcp", "server_label": "s"}]}        | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "custom", "name": "apply_patch"}]}   | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "namespace", "name": "ns", "tools": []}]} | tools[0].type
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "bad name"}]}    | tools[0].name
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "parameters": []}]} | tools[0].parameters
            {"model": "m", "input": "x", "tool_choice": "required"}                              | tool_choice
            {"model": "m", "input": "x", "tool_choice": {"type": "web_search_preview"}}          | tool_choice
            {"model": "m", "input": "x", "tools": [{"type": "function", "name": "f"}], "tool_choice": {"type": "function", "name": "g"}} | tool_choice
            {"model": "m", "input": "x", "background": true}                                     | background
            {"model": "m", "input": "x", "conversation": "conv_1"}                               | conversation
            {"model": "m", "input": "x", "prompt": {"id": "pmpt_1"}}                             | prompt
            {"model": "m", "input": "x", "temperature": "hot"}                                   | temperature
            {"model": "m", "input": "x", "temperature": 3}                                       | temperature
            {"model": "m", "input": "x", "top_p": 2}                                             | top_p
            {"model": "m", "input": "x", "max_output_tokens": 0}                                 | max_output_tokens
            {"model": "m", "input": "x", "max_output_tokens": 1.5}                               | max_output_tokens
            {"model": "m", "input": "x", "stream": "yes"}                                        | stream
            {"model": "m", "input": "x", "store": 1}                                             | store
            {"model": "m", "input": "x", "previous_response_id": 7}                              | previous_response_id
            {"model": "m", "input": "x", "text": {"format": {"type": "yaml"}}}                   | text.format.type
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "r"}}} | text.format.schema
            {"model": "m", "input": "x", "reasoning": {"effort": "extreme"}}                     | reasoning.effort
            {"model": "m", "input": "x", "metadata": {"k": 1}}                                   | metadata.k
            {"model": "m", "input": "x", "include": ["message.output_text.logprobs"]}            | include[0]
            {"model": "m", "input": "x", "top_logprobs": 2}                                      | top_logprobs
            {"model": "m", "input": "x", "moa": {"dry_run": true}, "stream": true}               | moa.dry_run
            {"model": "m", "input": "x", "moa": {"trace": "yes"}}                                | moa.trace
            """)
    void badInputIsRefusedNamingTheField(String body, String param) {
        MoaError error = assertThrows(MoaError.class, () -> parse(body));
        assertEquals(400, error.status());
        assertEquals(param, error.param().orElse(null), error.getMessage());
        assertEquals(MoaError.Kind.INVALID_REQUEST, error.kind());
    }

    @Test
    void aFunctionResultMustAnswerAnEarlierCall() {
        ResponsesRequest request = parse("""
                {"model": "m", "input": [{"role": "user", "content": "x"},
                  {"type": "function_call_output", "call_id": "nobody", "output": "?"}]}""");
        MoaError error = assertThrows(MoaError.class, () -> turns(request));
        assertEquals("input[1].call_id", error.param().orElse(null));
        assertTrue(error.getMessage().contains("'nobody'"), error.getMessage());
        // The call may have been made in the conversation a previous response stored.
        List<Item> earlier = List.of(new Item.FunctionCall("fc_1", "nobody", "f", "{}", "completed"));
        assertEquals(Message.toolResult("nobody", "?"),
                ResponsesRequestCodec.conversation(null, earlier, request.input()).get(2));
    }

    @Test
    void builtInToolsNameTheCodexSetting() {
        MoaError error = assertThrows(MoaError.class,
                () -> parse("{\"model\": \"m\", \"input\": \"x\", \"tools\": [{\"type\": \"web_search\"}]}"));
        assertTrue(error.getMessage().contains("web_search = \"disabled\""), error.getMessage());
    }

    private static JsonNode fixture(String name) throws IOException {
        try (InputStream in = ResponsesRequestCodecTest.class.getResourceAsStream("/codex/" + name)) {
            return JSON.readTree(in);
        }
    }

    /** What Codex CLI really sent (captured, see docs/responses.md), with the documented config and without. */
    @Test
    void codexRequestsAreReadAsSent() throws IOException {
        ResponsesRequest plain = ResponsesRequestCodec.parse(fixture("plain.json"));
        assertTrue(plain.stream());
        assertEquals(false, plain.store());
        assertEquals(7, plain.options().tools().size());
        List<Message> turns = turns(plain);
        assertTrue(turns.get(0).isSystem() && turns.get(0).content().contains("Codex"));
        assertEquals(Message.user("Say hello"), turns.get(turns.size() - 1));

        ResponsesRequest toolTurn = ResponsesRequestCodec.parse(fixture("tool-result-turn.json"));
        List<Message> toolTurns = turns(toolTurn);
        Message call = toolTurns.get(toolTurns.size() - 2);
        assertEquals("exec_command", call.toolCalls().get(0).name());
        Message result = toolTurns.get(toolTurns.size() - 1);
        assertEquals(call.toolCalls().get(0).id(), result.toolCallId());
        assertTrue(result.content().contains("hello-from-tool"));

        MoaError refused = assertThrows(MoaError.class,
                () -> ResponsesRequestCodec.parse(fixture("default-config.json")));
        assertEquals("tools[4].type", refused.param().orElse(null), "Codex's multi-agent namespace");
        ObjectNode withoutNamespace = (ObjectNode) fixture("default-config.json");
        ((com.fasterxml.jackson.databind.node.ArrayNode) withoutNamespace.get("tools")).remove(4);
        refused = assertThrows(MoaError.class, () -> ResponsesRequestCodec.parse(withoutNamespace));
        assertEquals("tools[7].type", refused.param().orElse(null), "Codex's web_search");
    }
}
