package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Request fields a mix cannot honour yet, refused with 400 naming the field rather than silently dropped: tool
 * calling and structured output. This is the one place to remove a refusal when the feature arrives (the
 * tool-calling work replaces all of them); everything else in the parser is validation of what we do support.
 */
final class UnsupportedFields {

    private UnsupportedFields() {
    }

    static void refuse(JsonNode body) {
        JsonNode tools = body.get("tools");
        if (present(tools) && !(tools.isArray() && tools.isEmpty()) && !"none".equals(body.path("tool_choice").asText())) {
            throw ApiError.invalidRequest("tools", "'tools' is not supported yet: a mix cannot call tools. Send "
                    + "\"tool_choice\": \"none\" or leave 'tools' out.");
        }
        JsonNode functions = body.get("functions");
        if (present(functions) && !(functions.isArray() && functions.isEmpty())
                && !"none".equals(body.path("function_call").asText())) {
            throw ApiError.invalidRequest("functions", "'functions' is not supported yet: a mix cannot call tools.");
        }
        JsonNode format = body.get("response_format");
        if (present(format) && "json_schema".equals(format.path("type").asText())) {
            throw ApiError.invalidRequest("response_format", "'response_format' of type 'json_schema' is not "
                    + "supported yet: a mix cannot guarantee structured output.");
        }
        JsonNode messages = body.get("messages");
        if (messages != null && messages.isArray()) {
            for (int i = 0; i < messages.size(); i++) {
                JsonNode message = messages.get(i);
                String role = message.path("role").asText("");
                if ("tool".equals(role) || "function".equals(role)) {
                    throw ApiError.invalidRequest("messages[" + i + "].role", "'" + role + "' messages are not "
                            + "supported yet: a mix cannot call tools.");
                }
                JsonNode toolCalls = message.get("tool_calls");
                if ("assistant".equals(role) && present(toolCalls) && !(toolCalls.isArray() && toolCalls.isEmpty())) {
                    throw ApiError.invalidRequest("messages[" + i + "].tool_calls", "assistant messages with "
                            + "'tool_calls' are not supported yet: a mix cannot call tools.");
                }
                if ("assistant".equals(role) && present(message.get("function_call"))) {
                    throw ApiError.invalidRequest("messages[" + i + "].function_call", "assistant messages with "
                            + "'function_call' are not supported yet: a mix cannot call tools.");
                }
            }
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }
}
