package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.api.OpenAiTools;
import dev.moa.mix.CallOptions;
import dev.moa.model.MoaError;
import dev.moa.model.ToolListCheck;
import dev.moa.model.ToolSpec;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The request fields that belong to one model call besides sampling — tools, tool choice, response format, seed,
 * penalties, user, metadata... — and the tool turns of the conversation, checked as OpenAI checks them and kept
 * exactly as sent. What a mix cannot do (several choices, log probabilities, audio or image output) is refused
 * with a 400 naming the field: nothing is silently dropped.
 */
final class CallOptionsParser {

    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> FORMATS = Set.of("text", "json_object", "json_schema");

    private CallOptionsParser() {
    }

    static CallOptions parse(JsonNode body) {
        refuseUnsupported(body);
        JsonNode toolList = body.get("tools");
        List<ToolSpec> checked = ToolListCheck.check(toolList, OpenAiTools.DIALECT, CallOptionsParser::function);
        Set<String> names = new HashSet<>();
        List<JsonNode> tools = null;
        if (checked != null) {
            // Sent on exactly as the client wrote them (strict and any newer fields included).
            tools = new ArrayList<>(checked.size());
            for (int i = 0; i < checked.size(); i++) {
                names.add(checked.get(i).name());
                tools.add(toolList.get(i));
            }
        }
        return new CallOptions(tools, toolChoice(body.get("tool_choice"), names),
                bool(body, "parallel_tool_calls"), responseFormat(body.get("response_format")),
                seed(body.get("seed")), object(body, "logit_bias"), penalty(body, "presence_penalty"),
                penalty(body, "frequency_penalty"), text(body, "user"), object(body, "metadata"),
                text(body, "service_tier"), text(body, "reasoning_effort"));
    }

    private static void refuseUnsupported(JsonNode body) {
        if (body.path("logprobs").asBoolean(false)) {
            throw MoaError.invalidRequest("logprobs", "'logprobs' is not supported: a mix's answer is written from "
                    + "several models' answers, so it has no log probabilities.");
        }
        if (present(body, "top_logprobs")) {
            throw MoaError.invalidRequest("top_logprobs", "'top_logprobs' is not supported: a mix's answer has no "
                    + "log probabilities.");
        }
        if (present(body, "audio")) {
            throw MoaError.invalidRequest("audio", "'audio' output is not supported: mixes answer in text.");
        }
        JsonNode modalities = body.get("modalities");
        if (modalities != null && !modalities.isNull()) {
            if (!modalities.isArray()) {
                throw MoaError.invalidRequest("modalities", "'modalities' must be a list.");
            }
            for (JsonNode m : modalities) {
                if (!"text".equals(m.asText())) {
                    throw MoaError.invalidRequest("modalities", "Output modality '" + m.asText()
                            + "' is not supported: mixes answer in text only.");
                }
            }
        }
        for (String legacy : List.of("functions", "function_call")) {
            if (present(body, legacy)) {
                throw MoaError.invalidRequest(legacy, "'" + legacy + "' is deprecated and not supported: use "
                        + "'tools' and 'tool_choice'.");
            }
        }
    }

    /** The function tools' fields, for the shared check; every other tool type is refused. */
    private static ToolListCheck.Fields function(String param, JsonNode tool) {
        if (!"function".equals(tool.path("type").asText())) {
            throw MoaError.invalidRequest(param + ".type", "Tool type '" + tool.path("type").asText()
                    + "' is not supported: only 'function' tools.");
        }
        JsonNode function = tool.get("function");
        if (function == null || !function.isObject()) {
            throw MoaError.invalidRequest(param + ".function", "Missing required parameter: '" + param
                    + ".function'.");
        }
        // Chat refuses a null description or parameters (the other APIs take null as absent): kept as it was.
        return new ToolListCheck.Fields(param + ".function", function.get("name"), function.get("description"),
                function.get("parameters"), null);
    }

    private static JsonNode toolChoice(JsonNode node, Set<String> tools) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            String value = node.textValue();
            if (!Set.of("none", "auto", "required").contains(value)) {
                throw MoaError.invalidRequest("tool_choice", "Invalid value: '" + value
                        + "'. 'tool_choice' must be 'none', 'auto', 'required' or a named function.");
            }
            if (!"none".equals(value) && tools.isEmpty()) {
                throw MoaError.invalidRequest("tool_choice", "'tool_choice' is only allowed when 'tools' are specified.");
            }
            return node;
        }
        JsonNode name = node.path("function").path("name");
        if (!node.isObject() || !"function".equals(node.path("type").asText()) || !name.isTextual()) {
            throw MoaError.invalidRequest("tool_choice", "'tool_choice' must be 'none', 'auto', 'required' or "
                    + "{\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        if (!tools.contains(name.textValue())) {
            throw MoaError.invalidRequest("tool_choice", "'tool_choice' names the function '" + name.textValue()
                    + "', which is not in 'tools'.");
        }
        return node;
    }

    private static JsonNode responseFormat(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = node.path("type").asText("");
        if (!node.isObject() || !FORMATS.contains(type)) {
            throw MoaError.invalidRequest("response_format", "'response_format' must be {\"type\": \"text\"}, "
                    + "{\"type\": \"json_object\"} or {\"type\": \"json_schema\", \"json_schema\": {...}}.");
        }
        if ("json_schema".equals(type)) {
            JsonNode spec = node.get("json_schema");
            if (spec == null || !spec.isObject()) {
                throw MoaError.invalidRequest("response_format.json_schema",
                        "Missing required parameter: 'response_format.json_schema'.");
            }
            if (!spec.path("name").isTextual() || !FUNCTION_NAME.matcher(spec.path("name").textValue()).matches()) {
                throw MoaError.invalidRequest("response_format.json_schema.name", "'response_format.json_schema.name'"
                        + " must be 1 to 64 letters, digits, underscores or dashes.");
            }
            if (spec.has("schema") && !spec.get("schema").isObject()) {
                throw MoaError.invalidRequest("response_format.json_schema.schema",
                        "'response_format.json_schema.schema' must be a JSON schema object.");
            }
            if (spec.has("strict") && !spec.get("strict").isBoolean() && !spec.get("strict").isNull()) {
                throw MoaError.invalidRequest("response_format.json_schema.strict",
                        "'response_format.json_schema.strict' must be true or false.");
            }
        }
        return node;
    }

    /**
     * A tool-role message must answer a call an earlier assistant turn made, and an assistant turn's tool calls must
     * each be answered by the tool messages right after it; the deprecated {@code function} role is refused by the
     * caller. (OpenAI refuses all three.)
     */
    static void checkToolTurns(List<Message> messages) {
        Set<String> calls = new HashSet<>();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            m.toolCalls().forEach(c -> calls.add(c.id()));
            checkAnswered(messages, i);
            if (m.isToolResult() && !calls.contains(m.toolCallId())) {
                throw MoaError.invalidRequest("messages[" + i + "].tool_call_id", "messages[" + i + "] is a 'tool' "
                        + "message answering tool_call_id '" + m.toolCallId() + "', but no earlier assistant message "
                        + "made a tool call with that id.");
            }
        }
    }

    /** The tool calls of message {@code i}, each answered by one of the tool messages that follow it at once. */
    private static void checkAnswered(List<Message> messages, int i) {
        Set<String> open = new java.util.LinkedHashSet<>();
        messages.get(i).toolCalls().forEach(c -> open.add(c.id()));
        for (int j = i + 1; j < messages.size() && !open.isEmpty() && messages.get(j).isToolResult(); j++) {
            open.remove(messages.get(j).toolCallId());
        }
        if (!open.isEmpty()) {
            throw MoaError.invalidRequest("messages[" + i + "]", "messages[" + i + "] is an assistant message with "
                    + "'tool_calls' that must be followed by tool messages responding to each 'tool_call_id'. The "
                    + "following tool_call_ids did not have response messages: " + String.join(", ", open));
        }
    }

    /** An assistant turn's {@code tool_calls}. */
    static List<ToolCall> toolCalls(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be a list of tool calls.");
        }
        List<ToolCall> calls = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String callParam = param + "[" + i + "]";
            JsonNode call = node.get(i);
            if (!call.path("id").isTextual() || call.path("id").textValue().isEmpty()) {
                throw MoaError.invalidRequest(callParam + ".id", "Missing required parameter: '" + callParam + ".id'.");
            }
            if (call.has("type") && !"function".equals(call.path("type").asText())) {
                throw MoaError.invalidRequest(callParam + ".type", "Tool call type '" + call.path("type").asText()
                        + "' is not supported: only 'function'.");
            }
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual()) {
                throw MoaError.invalidRequest(callParam + ".function.name", "Missing required parameter: '"
                        + callParam + ".function.name'.");
            }
            JsonNode arguments = function.get("arguments");
            if (arguments != null && !arguments.isNull() && !arguments.isTextual()) {
                throw MoaError.invalidRequest(callParam + ".function.arguments", "'" + callParam
                        + ".function.arguments' must be a string (JSON text).");
            }
            calls.add(new ToolCall(call.get("id").textValue(), function.get("name").textValue(),
                    arguments == null || arguments.isNull() ? "" : arguments.textValue()));
        }
        return calls;
    }

    private static boolean present(JsonNode body, String field) {
        JsonNode node = body.get(field);
        return node != null && !node.isNull();
    }

    private static Boolean bool(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        if (!body.get(field).isBoolean()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be true or false.");
        }
        return body.get(field).booleanValue();
    }

    private static Long seed(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw MoaError.invalidRequest("seed", "'seed' must be an integer.");
        }
        return node.longValue();
    }

    private static Double penalty(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        JsonNode node = body.get(field);
        if (!node.isNumber() || node.doubleValue() < -2 || node.doubleValue() > 2) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be a number between -2 and 2.");
        }
        return node.doubleValue();
    }

    private static String text(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        if (!body.get(field).isTextual()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be a string.");
        }
        return body.get(field).textValue();
    }

    private static JsonNode object(JsonNode body, String field) {
        if (!present(body, field)) {
            return null;
        }
        if (!body.get(field).isObject()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be an object.");
        }
        return body.get(field);
    }
}
