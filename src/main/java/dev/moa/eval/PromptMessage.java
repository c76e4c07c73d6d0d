package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.List;
import java.util.Set;

/**
 * One message of a template: a role and templated text. Read from OpenAI's shapes: {@code {"role", "content"}} with
 * a string, or {@code {"type": "message", "role", "content"}} whose content is a string or an
 * {@code input_text}/{@code output_text} part.
 */
public record PromptMessage(String role, Template content) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    /** @throws IllegalArgumentException with what is wrong, for a 400 naming {@code where} */
    public static List<PromptMessage> parseAll(JsonNode messages, String where) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException(where + " must be a non-empty array of messages");
        }
        List<PromptMessage> out = new java.util.ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(parse(messages.get(i), where + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    static PromptMessage parse(JsonNode message, String where) {
        if (!message.isObject()) {
            throw new IllegalArgumentException(where + " must be a message object");
        }
        String type = message.path("type").asText("message");
        if (!type.equals("message")) {
            throw new IllegalArgumentException(where + ".type must be \"message\"");
        }
        String role = message.path("role").asText("");
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException(where + ".role must be one of system, developer, user, assistant");
        }
        JsonNode content = message.get("content");
        String text;
        if (content != null && content.isTextual()) {
            text = content.textValue();
        } else if (content != null && content.isObject()
                && Set.of("input_text", "output_text").contains(content.path("type").asText())
                && content.path("text").isTextual()) {
            text = content.get("text").textValue();
        } else {
            throw new IllegalArgumentException(where + ".content must be a string or an input_text part (images and "
                    + "audio are not supported here)");
        }
        try {
            return new PromptMessage(role, Template.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ".content: " + e.getMessage());
        }
    }

    /** Chat messages for {@code /v1/chat/completions}, templates filled. */
    public static ArrayNode render(List<PromptMessage> messages, JsonNode item, String outputText, ObjectMapper json) {
        ArrayNode out = json.createArrayNode();
        for (PromptMessage m : messages) {
            out.addObject().put("role", m.role()).put("content", m.content().render(item, outputText));
        }
        return out;
    }
}
