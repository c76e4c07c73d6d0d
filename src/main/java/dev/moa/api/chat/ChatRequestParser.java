package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.mix.Sampling;
import dev.moa.model.MoaError;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.util.ArrayList;
import java.util.List;

/**
 * Validates an OpenAI chat-completions body. Fields we do not use are ignored, as OpenAI-compatible servers
 * do; fields we use are checked, and each error names its {@code param}. The per-call fields (tools, format...)
 * are {@link CallOptionsParser}'s.
 */
final class ChatRequestParser {

    private static final int MAX_STOP = 4;

    private ChatRequestParser() {
    }

    static ChatRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        JsonNode modelNode = body.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw MoaError.invalidRequest("model", "Missing required parameter: 'model'.");
        }
        if (!modelNode.isTextual() || modelNode.textValue().isBlank()) {
            throw MoaError.invalidRequest("model", "'model' must be a non-empty string (the name of a mix).");
        }
        Integer n = integer(body, "n", 1, 128);
        if (n != null && n > 1) {
            throw MoaError.invalidRequest("n", "'n' greater than 1 is not supported: a mix returns one answer.");
        }
        Integer maxTokens = integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        Sampling sampling = new Sampling(number(body, "temperature", 0, 2), maxTokens, number(body, "top_p", 0, 1),
                stop(body));
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject()) {
                throw MoaError.invalidRequest("stream_options", "'stream_options' must be an object.");
            }
            includeUsage = bool(streamOptions, "include_usage");
        }
        boolean trace = false;
        boolean dryRun = false;
        boolean progress = false;
        JsonNode moa = body.get("moa");
        if (moa != null && !moa.isNull()) {
            if (!moa.isObject()) {
                throw MoaError.invalidRequest("moa", "'moa' must be an object, e.g. {\"trace\": true}.");
            }
            trace = bool(moa, "trace");
            dryRun = moaFlag(moa, "dry_run");
            if (dryRun && stream) {
                throw MoaError.invalidRequest("moa.dry_run", "A dry run answers with its plan as one JSON object; "
                        + "it cannot be combined with 'stream'.");
            }
            progress = moaFlag(moa, "progress");
            if (progress && !stream) {
                throw MoaError.invalidRequest("moa.progress", "Progress events come as chunks of a streamed answer; "
                        + "'moa.progress' needs 'stream': true.");
            }
        }
        List<Message> messages = messages(body.get("messages"));
        CallOptionsParser.checkToolTurns(messages);
        return new ChatRequest(modelNode.textValue(), messages, sampling, stream, includeUsage, trace,
                CallOptionsParser.parse(body), dryRun, progress);
    }

    private static List<Message> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw MoaError.invalidRequest("messages", "Missing required parameter: 'messages'.");
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest("messages", "'messages' must be a list of messages.");
        }
        if (node.isEmpty()) {
            throw MoaError.invalidRequest("messages", "'messages' must contain at least one message.");
        }
        List<Message> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            messages.add(message(node.get(i), "messages[" + i + "]"));
        }
        return messages;
    }

    private static Message message(JsonNode node, String param) {
        if (!node.isObject()) {
            throw MoaError.invalidRequest(param, "Each message must be an object with 'role' and 'content'.");
        }
        JsonNode roleNode = node.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw MoaError.invalidRequest(param + ".role", "Missing required parameter: '" + param + ".role'.");
        }
        // "developer" is OpenAI's newer name for system instructions; most other providers only know "system".
        String role = switch (roleNode.textValue()) {
            case "system", "developer" -> Message.SYSTEM;
            case "user" -> Message.USER;
            case "assistant" -> Message.ASSISTANT;
            case "tool" -> Message.TOOL;
            case "function" -> throw MoaError.invalidRequest(param + ".role", "The 'function' role is deprecated and "
                    + "not supported: send tool results as 'tool' messages with a 'tool_call_id'.");
            default -> throw MoaError.invalidRequest(param + ".role", "Invalid value: '" + roleNode.textValue()
                    + "'. Supported roles are 'system', 'developer', 'user', 'assistant' and 'tool'.");
        };
        if (Message.TOOL.equals(role)) {
            JsonNode id = node.get("tool_call_id");
            if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
                throw MoaError.invalidRequest(param + ".tool_call_id", "Missing required parameter: '" + param
                        + ".tool_call_id'.");
            }
            return Message.toolResult(id.textValue(), content(node.get("content"), role, param + ".content"));
        }
        List<ToolCall> toolCalls = Message.ASSISTANT.equals(role)
                ? CallOptionsParser.toolCalls(node.get("tool_calls"), param + ".tool_calls") : List.of();
        return new Message(role, content(node.get("content"), role, param + ".content"), toolCalls, null);
    }

    private static String content(JsonNode node, String role, String param) {
        if (node == null || node.isNull()) {
            if (Message.ASSISTANT.equals(role)) {
                return "";
            }
            throw MoaError.invalidRequest(param, "Missing required parameter: '" + param + "'.");
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest(param, "'" + param + "' must be a string or a list of text parts.");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < node.size(); i++) {
            JsonNode part = node.get(i);
            String partParam = param + "[" + i + "]";
            String type = part.path("type").asText("");
            if (!"text".equals(type)) {
                throw MoaError.invalidRequest(partParam, "Content part of type '" + type
                        + "' is not supported: mixes accept text only.");
            }
            if (!part.path("text").isTextual()) {
                throw MoaError.invalidRequest(partParam + ".text", "'" + partParam + ".text' must be a string.");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.get("text").textValue());
        }
        return text.toString();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be a number.");
        }
        double value = node.doubleValue();
        if (value < min || value > max) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be between " + fmt(min) + " and " + fmt(max)
                    + ", got " + node.asText() + ".");
        }
        return value;
    }

    private static Integer integer(JsonNode body, String field, int min, int max) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be an integer.");
        }
        int value = node.intValue();
        if (value < min || value > max) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be at least " + min + ", got " + value + ".");
        }
        return value;
    }

    private static boolean moaFlag(JsonNode moa, String field) {
        JsonNode node = moa.get(field);
        if (node != null && !node.isNull() && !node.isBoolean()) {
            throw MoaError.invalidRequest("moa." + field, "'moa." + field + "' must be true or false.");
        }
        return node != null && node.asBoolean(false);
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be true or false.");
        }
        return node.booleanValue();
    }

    private static List<String> stop(JsonNode body) {
        JsonNode node = body.get("stop");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (!node.isArray() || node.size() > MAX_STOP) {
            throw MoaError.invalidRequest("stop", "'stop' must be a string or a list of up to 4 strings.");
        }
        List<String> stop = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw MoaError.invalidRequest("stop", "'stop' must be a string or a list of up to 4 strings.");
            }
            stop.add(item.textValue());
        }
        return stop;
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
