package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.moa.api.OpenAiTools;
import dev.moa.gateway.ToolOptions;
import dev.moa.mix.CallOptions;
import dev.moa.model.MoaError;
import dev.moa.model.ToolChoice;
import dev.moa.model.ToolListCheck;
import dev.moa.model.ToolSpec;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a {@code POST /v1/responses} body into a {@link ResponsesRequest}, and a conversation of {@link Item}s into
 * the pipeline's turns. Fields we do not use are ignored, as on chat; fields we use are checked, and each error names
 * its {@code param}. What a mix cannot do faithfully (built-in and custom tools, background runs, non-text input,
 * server-side conversations) is refused with a 400 naming the field: nothing is silently dropped.
 */
final class ResponsesRequestCodec {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> EFFORTS = Set.of("none", "minimal", "low", "medium", "high", "xhigh");
    /** OpenAI's hosted tools: they run on OpenAI's side, which a mix's models do not have. */
    private static final Set<String> BUILT_IN_TOOLS = Set.of("web_search", "web_search_preview",
            "web_search_preview_2025_03_11", "web_search_2025_08_26", "file_search", "code_interpreter",
            "computer_use", "computer_use_preview", "image_generation", "mcp", "local_shell", "shell", "apply_patch",
            "tool_search");
    private static final Map<String, String> NON_TEXT_PARTS = Map.of("input_image", "Image", "input_file", "File",
            "input_audio", "Audio");

    private ResponsesRequestCodec() {
    }

    static ResponsesRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw MoaError.invalidRequest("model", "Missing required parameter: 'model'.");
        }
        if (!model.isTextual() || model.textValue().isBlank()) {
            throw MoaError.invalidRequest("model", "'model' must be a non-empty string (the name of a mix).");
        }
        refuseUnsupported(body);
        boolean stream = bool(body, "stream", false);
        boolean trace = false;
        boolean dryRun = false;
        JsonNode moa = body.get("moa");
        if (present(moa)) {
            if (!moa.isObject()) {
                throw MoaError.invalidRequest("moa", "'moa' must be an object, e.g. {\"trace\": true}.");
            }
            trace = bool(moa, "trace", "moa.trace", false);
            dryRun = bool(moa, "dry_run", "moa.dry_run", false);
            if (dryRun && stream) {
                throw MoaError.invalidRequest("moa.dry_run", "A dry run answers with its plan as one JSON object; "
                        + "it cannot be combined with 'stream'.");
            }
        }
        List<Item> input = input(body.get("input"));
        String instructions = text(body, "instructions");
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Integer maxOutputTokens = integer(body, "max_output_tokens", 1);
        Integer maxToolCalls = integer(body, "max_tool_calls", 1);

        List<ToolSpec> tools = tools(body.get("tools"));
        Set<String> names = new HashSet<>();
        tools.forEach(t -> names.add(t.name()));
        JsonNode toolChoiceNode = body.get("tool_choice");
        ToolChoice toolChoice = toolChoice(toolChoiceNode, names);
        Boolean parallel = present(body.get("parallel_tool_calls")) ? bool(body, "parallel_tool_calls", true) : null;
        JsonNode textNode = body.get("text");
        JsonNode format = format(textNode);
        JsonNode reasoningNode = body.get("reasoning");
        String effort = reasoning(reasoningNode);
        JsonNode metadata = metadata(body.get("metadata"));
        include(body.get("include"));
        String truncation = text(body, "truncation");
        if (truncation != null && !Set.of("auto", "disabled").contains(truncation)) {
            throw MoaError.invalidRequest("truncation", "'truncation' must be 'auto' or 'disabled'.");
        }
        if (present(body.get("stream_options")) && !body.get("stream_options").isObject()) {
            throw MoaError.invalidRequest("stream_options", "'stream_options' must be an object.");
        }
        String previous = text(body, "previous_response_id");
        String user = text(body, "user");
        String serviceTier = text(body, "service_tier");

        // No tools: nothing to choose between, and nothing about them is sent on.
        CallOptions options = ToolOptions.with(new CallOptions(null, null, null, format, null, null, null, null,
                        user, null, serviceTier, effort), tools.isEmpty() ? null : tools,
                tools.isEmpty() ? null : toolChoice, tools.isEmpty() ? null : parallel);
        ResponsesRequest.Echo echo = new ResponsesRequest.Echo(
                echoed(tools),
                present(toolChoiceNode) ? toolChoiceNode.deepCopy() : TextNode.valueOf("auto"),
                parallel == null || parallel,
                present(textNode) ? textNode.deepCopy() : NODES.objectNode().set("format",
                        NODES.objectNode().put("type", "text")),
                metadata == null ? NODES.objectNode() : metadata,
                present(reasoningNode) ? reasoningNode.deepCopy() : null,
                temperature, topP, maxOutputTokens, user, text(body, "prompt_cache_key"), truncation, serviceTier,
                maxToolCalls, text(body, "safety_identifier"));
        return new ResponsesRequest(model.textValue(), input, instructions,
                new Sampling(temperature, maxOutputTokens, topP, null), options, stream,
                bool(body, "store", true), previous, trace, dryRun, echo);
    }

    /**
     * The pipeline's turns for {@code instructions}, then the {@code earlier} items (a stored conversation that
     * {@code previous_response_id} continues), then this request's {@code input}. Reasoning items are not sent on.
     * A function call's result must answer a call made earlier in the conversation, as OpenAI requires.
     */
    static List<Message> conversation(String instructions, List<Item> earlier, List<Item> input) {
        List<Message> turns = new ArrayList<>();
        if (instructions != null && !instructions.isEmpty()) {
            turns.add(Message.system(instructions));
        }
        Set<String> calls = new HashSet<>();
        boolean assistantOpen = false;
        List<Item> all = new ArrayList<>(earlier);
        all.addAll(input);
        for (int i = 0; i < all.size(); i++) {
            Item item = all.get(i);
            if (item instanceof Item.Message message) {
                turns.add(switch (message.role()) {
                    case "system", "developer" -> Message.system(message.text());
                    case "assistant" -> Message.assistant(message.text(), List.of());
                    default -> Message.user(message.text());
                });
                assistantOpen = "assistant".equals(message.role());
            } else if (item instanceof Item.FunctionCall call) {
                calls.add(call.callId());
                ToolCall toolCall = new ToolCall(call.callId(), call.name(), call.arguments());
                Message last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
                if (assistantOpen && last != null && last.isAssistant()) {
                    // Calls right after an assistant message (or each other) are that one turn's calls.
                    List<ToolCall> merged = new ArrayList<>(last.toolCalls());
                    merged.add(toolCall);
                    turns.set(turns.size() - 1, Message.assistant(last.content(), merged));
                } else {
                    turns.add(Message.assistant("", List.of(toolCall)));
                }
                assistantOpen = true;
            } else if (item instanceof Item.FunctionCallOutput output) {
                if (!calls.contains(output.callId())) {
                    int own = i - earlier.size();
                    throw MoaError.invalidRequest(own >= 0 ? "input[" + own + "].call_id" : "previous_response_id",
                            "No function call found for the function_call_output with call_id '" + output.callId()
                                    + "': it must answer a function_call earlier in the conversation.");
                }
                turns.add(Message.toolResult(output.callId(), output.output()));
                assistantOpen = false;
            }
        }
        return turns;
    }

    /** Items stored with an earlier response, read back with the same checks as a request's {@code input}. */
    static List<Item> storedItems(JsonNode items) {
        return items(items, "previous_response_id");
    }

    private static void refuseUnsupported(JsonNode body) {
        if (present(body.get("background")) && body.get("background").asBoolean(true)) {
            throw MoaError.invalidRequest("background", "'background': true is not supported: a mix answers within "
                    + "the request (stream it to see the answer as it is written).");
        }
        if (present(body.get("conversation"))) {
            throw MoaError.invalidRequest("conversation", "'conversation' is not supported: continue a conversation "
                    + "with 'previous_response_id', or send its items in 'input'.");
        }
        if (present(body.get("prompt"))) {
            throw MoaError.invalidRequest("prompt", "'prompt' (a stored prompt template) is not supported: send "
                    + "'instructions' and 'input'.");
        }
        if (present(body.get("top_logprobs"))) {
            throw MoaError.invalidRequest("top_logprobs", "'top_logprobs' is not supported: a mix's answer is "
                    + "written from several models' answers, so it has no log probabilities.");
        }
    }

    private static List<Item> input(JsonNode node) {
        if (!present(node)) {
            throw MoaError.invalidRequest("input", "Missing required parameter: 'input'.");
        }
        if (node.isTextual()) {
            return List.of(Item.Message.of(ResponseIds.next("msg"), "user", node.textValue()));
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest("input", "'input' must be a string or a list of input items.");
        }
        if (node.isEmpty()) {
            throw MoaError.invalidRequest("input", "'input' must contain at least one item.");
        }
        return items(node, "input");
    }

    private static List<Item> items(JsonNode node, String param) {
        if (node == null || !node.isArray()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be a list of items.");
        }
        List<Item> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(item(node.get(i), param + "[" + i + "]"));
        }
        return items;
    }

    private static Item item(JsonNode node, String param) {
        if (!node.isObject()) {
            throw MoaError.invalidRequest(param, "Each input item must be an object.");
        }
        JsonNode typeNode = node.get("type");
        String type = present(typeNode) ? typeNode.asText() : node.has("role") ? "message" : null;
        if (type == null) {
            throw MoaError.invalidRequest(param + ".type", "Missing required parameter: '" + param + ".type'.");
        }
        String id = optionalText(node, "id", param + ".id");
        return switch (type) {
            case "message" -> message(node, param, id);
            case "function_call" -> new Item.FunctionCall(id == null ? ResponseIds.next("fc") : id,
                    requiredText(node, "call_id", param), requiredText(node, "name", param),
                    textOrEmpty(node, "arguments", param), "completed");
            case "function_call_output" -> new Item.FunctionCallOutput(id == null ? ResponseIds.next("fco") : id,
                    requiredText(node, "call_id", param), output(node.get("output"), param + ".output"), "completed");
            case "reasoning" -> reasoning(node, param, id);
            case "item_reference" -> throw MoaError.invalidRequest(param + ".type", "Input items of type "
                    + "'item_reference' are not supported: send the items themselves, or continue with "
                    + "'previous_response_id'.");
            default -> throw MoaError.invalidRequest(param + ".type", "Input item type '" + type + "' is not "
                    + "supported: a mix takes 'message', 'function_call', 'function_call_output' and 'reasoning' "
                    + "items.");
        };
    }

    private static Item.Message message(JsonNode node, String param, String id) {
        JsonNode roleNode = node.get("role");
        if (!present(roleNode)) {
            throw MoaError.invalidRequest(param + ".role", "Missing required parameter: '" + param + ".role'.");
        }
        String role = roleNode.asText();
        if (!roleNode.isTextual() || !ROLES.contains(role)) {
            throw MoaError.invalidRequest(param + ".role", "Invalid value: '" + role + "'. Supported roles are "
                    + "'user', 'assistant', 'system' and 'developer'.");
        }
        JsonNode content = node.get("content");
        String contentParam = param + ".content";
        if (!present(content)) {
            throw MoaError.invalidRequest(contentParam, "Missing required parameter: '" + contentParam + "'.");
        }
        List<String> texts = new ArrayList<>();
        if (content.isTextual()) {
            texts.add(content.textValue());
        } else if (content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                texts.add(part(content.get(j), contentParam + "[" + j + "]"));
            }
        } else {
            throw MoaError.invalidRequest(contentParam, "'" + contentParam + "' must be a string or a list of "
                    + "content parts.");
        }
        List<Item.Part> parts = texts.stream().map("assistant".equals(role) ? Item.Part::output : Item.Part::input)
                .toList();
        return new Item.Message(id == null ? ResponseIds.next("msg") : id, "completed", role, parts);
    }

    /** A text part's text; any other part is refused with its own param. */
    private static String part(JsonNode part, String param) {
        if (!part.isObject()) {
            throw MoaError.invalidRequest(param, "Each content part must be an object.");
        }
        String type = part.path("type").asText("");
        if (NON_TEXT_PARTS.containsKey(type)) {
            throw MoaError.invalidRequest(param + ".type", NON_TEXT_PARTS.get(type) + " input ('" + type
                    + "') is not supported: mixes accept text only.");
        }
        if (type.equals("refusal")) {
            return requiredText(part, "refusal", param);
        }
        if (!type.equals("input_text") && !type.equals("output_text") && !type.equals("text")) {
            throw MoaError.invalidRequest(param + ".type", "Content part of type '" + type + "' is not supported: "
                    + "use 'input_text' (or 'output_text' in assistant messages).");
        }
        return requiredText(part, "text", param);
    }

    /** A function result: a string, or text parts (joined). */
    private static String output(JsonNode node, String param) {
        if (!present(node)) {
            throw MoaError.invalidRequest(param, "Missing required parameter: '" + param + "'.");
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be a string or a list of text parts.");
        }
        List<String> texts = new ArrayList<>();
        for (int j = 0; j < node.size(); j++) {
            texts.add(part(node.get(j), param + "[" + j + "]"));
        }
        return String.join("\n", texts);
    }

    private static Item.Reasoning reasoning(JsonNode node, String param, String id) {
        JsonNode summary = node.get("summary");
        if (present(summary) && !summary.isArray()) {
            throw MoaError.invalidRequest(param + ".summary", "'" + param + ".summary' must be a list.");
        }
        List<JsonNode> parts = new ArrayList<>();
        if (present(summary)) {
            summary.forEach(parts::add);
        }
        return new Item.Reasoning(id == null ? ResponseIds.next("rs") : id, parts,
                optionalText(node, "encrypted_content", param + ".encrypted_content"));
    }

    /** Function tools; every other kind is refused. */
    private static List<ToolSpec> tools(JsonNode node) {
        List<ToolSpec> tools = ToolListCheck.check(node, OpenAiTools.DIALECT, ResponsesRequestCodec::function);
        return tools == null ? List.of() : tools;
    }

    /** A function tool's fields, for the shared check (null as absent); built-in and custom tools are refused. */
    private static ToolListCheck.Fields function(String param, JsonNode tool) {
        String type = tool.path("type").asText("");
        if (BUILT_IN_TOOLS.contains(type)) {
            throw MoaError.invalidRequest(param + ".type", "Built-in tool '" + type + "' is not supported: a mix "
                    + "runs only the client's own 'function' tools. (Codex: set web_search = \"disabled\".)");
        }
        if (type.equals("custom")) {
            throw MoaError.invalidRequest(param + ".type", "Custom (free-form) tools are not supported: a mix's "
                    + "models are offered JSON function tools, which cannot carry a free-form grammar. Declare "
                    + "the tool as a 'function' tool.");
        }
        if (type.equals("namespace")) {
            throw MoaError.invalidRequest(param + ".type", "Tool namespaces are not supported: declare each "
                    + "function as a 'function' tool. (Codex: set multi_agent = false under [features].)");
        }
        if (!type.equals("function")) {
            throw MoaError.invalidRequest(param + ".type", "Tool type '" + type + "' is not supported: only "
                    + "'function' tools.");
        }
        return new ToolListCheck.Fields(param, tool.get("name"), presentOrNull(tool.get("description")),
                presentOrNull(tool.get("parameters")), presentOrNull(tool.get("strict")));
    }

    private static JsonNode presentOrNull(JsonNode node) {
        return present(node) ? node : null;
    }

    /** The tools as a {@code response} object lists them: every field the schema requires, null when not set. */
    private static JsonNode echoed(List<ToolSpec> tools) {
        var list = NODES.arrayNode();
        for (ToolSpec tool : tools) {
            ObjectNode echoed = list.addObject();
            echoed.put("type", "function");
            echoed.put("name", tool.name());
            echoed.put("description", tool.description());
            echoed.set("parameters", tool.schema() == null ? NODES.nullNode() : tool.schema());
            if (tool.strict() == null) {
                echoed.putNull("strict");
            } else {
                echoed.put("strict", tool.strict());
            }
        }
        return list;
    }

    /** {@code none}, {@code auto}, {@code required} or {@code {"type": "function", "name": ...}}. */
    private static ToolChoice toolChoice(JsonNode node, Set<String> tools) {
        if (!present(node)) {
            return null;
        }
        if (node.isTextual()) {
            String value = node.textValue();
            if (!Set.of("none", "auto", "required").contains(value)) {
                throw MoaError.invalidRequest("tool_choice", "Invalid value: '" + value + "'. 'tool_choice' must be "
                        + "'none', 'auto', 'required' or {\"type\": \"function\", \"name\": ...}.");
            }
            if (value.equals("required") && tools.isEmpty()) {
                throw MoaError.invalidRequest("tool_choice", "'tool_choice' 'required' needs 'tools'.");
            }
            return switch (value) {
                case "none" -> new ToolChoice.None();
                case "required" -> new ToolChoice.Required();
                default -> new ToolChoice.Auto();
            };
        }
        if (!node.isObject() || !"function".equals(node.path("type").asText()) || !node.path("name").isTextual()) {
            throw MoaError.invalidRequest("tool_choice", "'tool_choice' must be 'none', 'auto', 'required' or "
                    + "{\"type\": \"function\", \"name\": ...}: a mix offers only function tools.");
        }
        String name = node.get("name").textValue();
        if (!tools.contains(name)) {
            throw MoaError.invalidRequest("tool_choice", "'tool_choice' names the function '" + name + "', which is "
                    + "not in 'tools'.");
        }
        return new ToolChoice.Named(name);
    }

    /** {@code text.format} as the pipeline's response format (the aggregator's structured output). */
    private static JsonNode format(JsonNode text) {
        if (!present(text)) {
            return null;
        }
        if (!text.isObject()) {
            throw MoaError.invalidRequest("text", "'text' must be an object, e.g. {\"format\": {\"type\": \"text\"}}.");
        }
        JsonNode verbosity = text.get("verbosity");
        if (present(verbosity) && !Set.of("low", "medium", "high").contains(verbosity.asText())) {
            throw MoaError.invalidRequest("text.verbosity", "'text.verbosity' must be 'low', 'medium' or 'high'.");
        }
        JsonNode format = text.get("format");
        if (!present(format)) {
            return null;
        }
        String type = format.path("type").asText("");
        if (!format.isObject() || !Set.of("text", "json_object", "json_schema").contains(type)) {
            throw MoaError.invalidRequest("text.format.type", "'text.format' must be {\"type\": \"text\"}, "
                    + "{\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"name\": ..., \"schema\": {...}}.");
        }
        if (!type.equals("json_schema")) {
            return NODES.objectNode().put("type", type);
        }
        JsonNode name = format.get("name");
        if (name == null || !name.isTextual() || !NAME.matcher(name.textValue()).matches()) {
            throw MoaError.invalidRequest("text.format.name", "'text.format.name' must be 1 to 64 letters, digits, "
                    + "underscores or dashes.");
        }
        JsonNode schema = format.get("schema");
        if (schema == null || !schema.isObject()) {
            throw MoaError.invalidRequest("text.format.schema", "'text.format.schema' must be a JSON schema object.");
        }
        ObjectNode spec = NODES.objectNode();
        spec.put("name", name.textValue());
        JsonNode description = format.get("description");
        if (present(description)) {
            if (!description.isTextual()) {
                throw MoaError.invalidRequest("text.format.description", "'text.format.description' must be a string.");
            }
            spec.put("description", description.textValue());
        }
        spec.set("schema", schema.deepCopy());
        JsonNode strict = format.get("strict");
        if (present(strict)) {
            if (!strict.isBoolean()) {
                throw MoaError.invalidRequest("text.format.strict", "'text.format.strict' must be true or false.");
            }
            spec.put("strict", strict.booleanValue());
        }
        ObjectNode responseFormat = NODES.objectNode();
        responseFormat.put("type", "json_schema");
        responseFormat.set("json_schema", spec);
        return responseFormat;
    }

    /** {@code reasoning.effort}, passed on as {@code reasoning_effort}; a summary request is accepted (none is written). */
    private static String reasoning(JsonNode node) {
        if (!present(node)) {
            return null;
        }
        if (!node.isObject()) {
            throw MoaError.invalidRequest("reasoning", "'reasoning' must be an object, e.g. {\"effort\": \"low\"}.");
        }
        JsonNode effort = node.get("effort");
        if (!present(effort)) {
            return null;
        }
        if (!effort.isTextual() || !EFFORTS.contains(effort.textValue())) {
            throw MoaError.invalidRequest("reasoning.effort", "'reasoning.effort' must be one of " + EFFORTS.stream()
                    .sorted().toList() + ".");
        }
        return effort.textValue();
    }

    /** Up to 16 string values, as OpenAI allows; kept on the response, not sent to the mix's models. */
    private static JsonNode metadata(JsonNode node) {
        if (!present(node)) {
            return null;
        }
        if (!node.isObject() || node.size() > 16) {
            throw MoaError.invalidRequest("metadata", "'metadata' must be an object of up to 16 string values.");
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (field.getKey().length() > 64 || !field.getValue().isTextual()
                    || field.getValue().textValue().length() > 512) {
                throw MoaError.invalidRequest("metadata." + field.getKey(), "Each 'metadata' value must be a string "
                        + "of at most 512 characters, under a key of at most 64.");
            }
        }
        return node.deepCopy();
    }

    private static void include(JsonNode node) {
        if (!present(node)) {
            return;
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest("include", "'include' must be a list of strings.");
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isTextual()) {
                throw MoaError.invalidRequest("include[" + i + "]", "'include' must be a list of strings.");
            }
            if (node.get(i).textValue().equals("message.output_text.logprobs")) {
                throw MoaError.invalidRequest("include[" + i + "]", "'message.output_text.logprobs' is not supported: "
                        + "a mix's answer has no log probabilities.");
            }
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static boolean bool(JsonNode body, String field, boolean absent) {
        return bool(body, field, field, absent);
    }

    private static boolean bool(JsonNode body, String field, String param, boolean absent) {
        JsonNode node = body.get(field);
        if (!present(node)) {
            return absent;
        }
        if (!node.isBoolean()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be true or false.");
        }
        return node.booleanValue();
    }

    private static String text(JsonNode body, String field) {
        return optionalText(body, field, field);
    }

    private static String optionalText(JsonNode body, String field, String param) {
        JsonNode node = body.get(field);
        if (!present(node)) {
            return null;
        }
        if (!node.isTextual()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be a string.");
        }
        return node.textValue();
    }

    private static String requiredText(JsonNode body, String field, String param) {
        JsonNode node = body.get(field);
        String name = param + "." + field;
        if (!present(node)) {
            throw MoaError.invalidRequest(name, "Missing required parameter: '" + name + "'.");
        }
        if (!node.isTextual()) {
            throw MoaError.invalidRequest(name, "'" + name + "' must be a string.");
        }
        return node.textValue();
    }

    private static String textOrEmpty(JsonNode body, String field, String param) {
        String text = optionalText(body, field, param + "." + field);
        return text == null ? "" : text;
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode node = body.get(field);
        if (!present(node)) {
            return null;
        }
        if (!node.isNumber()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be a number.");
        }
        double value = node.doubleValue();
        if (value < min || value > max) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be between " + (long) min + " and "
                    + (long) max + ", got " + node.asText() + ".");
        }
        return value;
    }

    private static Integer integer(JsonNode body, String field, int min) {
        JsonNode node = body.get(field);
        if (!present(node)) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be an integer.");
        }
        if (node.intValue() < min) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be at least " + min + ", got "
                    + node.intValue() + ".");
        }
        return node.intValue();
    }
}
