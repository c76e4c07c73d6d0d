package dev.moa.api.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.moa.gateway.MixRequest;
import dev.moa.gateway.ToolOptions;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.model.MoaError;
import dev.moa.model.ToolChoice;
import dev.moa.model.ToolListCheck;
import dev.moa.model.ToolSpec;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An Anthropic Messages API body → a {@link MixRequest}. Fields we use are checked and each error names its
 * {@code param}; fields we do not use ({@code metadata}, {@code thinking}, {@code service_tier}, ...) are accepted
 * and ignored, so newer clients keep working. Thinking blocks of earlier turns are dropped (they are the model's
 * own notes, not the conversation); images and documents are refused.
 */
final class MessagesRequestCodec {

    /** Anthropic's tool-list paths and wording (as its API's validation errors word them). */
    private static final ToolListCheck.Dialect TOOLS = new ToolListCheck.Dialect(i -> "tools." + i, "input_schema",
            true, "tools: Input should be a valid list", "%s: Input should be an object",
            "%s: must be 1 to 64 letters, digits, underscores or dashes",
            "tools: tool names must be unique: '%s' appears twice", "%s: Input should be a string",
            "%s: Field required (a JSON schema object)", "%s: Input should be a valid boolean");
    private static final int MAX_STOP_SEQUENCES = 64;

    private MessagesRequestCodec() {
    }

    static MessagesRequest parse(JsonNode body) {
        String model = requiredText(body, "model");
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw MoaError.invalidRequest("max_tokens", "max_tokens: Field required");
        }
        if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.intValue() < 1) {
            throw MoaError.invalidRequest("max_tokens", "max_tokens: Input should be a positive integer");
        }
        Sampling sampling = new Sampling(number(body, "temperature", 0, 1), maxTokens.intValue(),
                number(body, "top_p", 0, 1), stopSequences(body.get("stop_sequences")));
        Integer topK = null;
        JsonNode k = body.get("top_k");
        if (k != null && !k.isNull()) {
            if (!k.isIntegralNumber() || !k.canConvertToInt() || k.intValue() < 0) {
                throw MoaError.invalidRequest("top_k", "top_k: Input should be a non-negative integer");
            }
            topK = k.intValue();
        }
        boolean stream = bool(body, "stream");
        object(body, "metadata");
        thinking(body.get("thinking"));
        List<Message> conversation = new ArrayList<>();
        system(body.get("system")).ifPresent(conversation::add);
        conversation.addAll(messages(body.get("messages")));
        List<ToolSpec> tools = tools(body.get("tools"));
        Set<String> names = new HashSet<>();
        if (tools != null) {
            tools.forEach(t -> names.add(t.name()));
        }
        JsonNode choiceNode = body.get("tool_choice");
        ToolChoice choice = toolChoice(choiceNode, names);
        Boolean parallel = choiceNode != null && choiceNode.isObject() && choiceNode.has("disable_parallel_tool_use")
                ? !bool(choiceNode, "disable_parallel_tool_use") : null;
        CallOptions options = ToolOptions.with(CallOptions.NONE, tools, choice, parallel);
        boolean trace = false;
        boolean dryRun = false;
        JsonNode moa = body.get("moa");
        if (moa != null && !moa.isNull()) {
            if (!moa.isObject()) {
                throw MoaError.invalidRequest("moa", "moa: Input should be an object, e.g. {\"trace\": true}");
            }
            trace = bool(moa, "trace");
            if (bool(moa, "dry_run")) {
                throw MoaError.invalidRequest("moa.dry_run", "moa.dry_run: a dry run is answered on "
                        + "/v1/chat/completions only.");
            }
        }
        return new MessagesRequest(new MixRequest(model, conversation, sampling, options, trace, dryRun), stream, topK);
    }

    /** The conversation as {@code count_tokens} measures it: the same fields, {@code max_tokens} not required. */
    static List<String> countedTexts(JsonNode body) {
        requiredText(body, "model");
        List<String> texts = new ArrayList<>();
        system(body.get("system")).ifPresent(m -> texts.add(m.content()));
        for (Message m : messages(body.get("messages"))) {
            texts.add(m.content());
            m.toolCalls().forEach(c -> texts.add(c.name() + c.arguments()));
        }
        List<ToolSpec> tools = tools(body.get("tools"));
        if (tools != null) {
            for (ToolSpec tool : tools) {
                texts.add(tool.name() + (tool.description() == null ? "" : tool.description())
                        + (tool.schema() == null ? "" : tool.schema().toString()));
            }
        }
        return texts;
    }

    private static java.util.Optional<Message> system(JsonNode node) {
        if (node == null || node.isNull()) {
            return java.util.Optional.empty();
        }
        if (node.isTextual()) {
            return node.textValue().isEmpty() ? java.util.Optional.empty()
                    : java.util.Optional.of(Message.system(node.textValue()));
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest("system", "system: Input should be a string or a list of text blocks");
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String param = "system." + i;
            JsonNode block = node.get(i);
            if (!block.isObject() || !"text".equals(block.path("type").asText())) {
                throw MoaError.invalidRequest(param, "system: system blocks must be text blocks");
            }
            parts.add(text(block, param));
        }
        String text = String.join("\n\n", parts);
        return text.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Message.system(text));
    }

    private static List<Message> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw MoaError.invalidRequest("messages", "messages: Field required");
        }
        if (!node.isArray()) {
            throw MoaError.invalidRequest("messages", "messages: Input should be a valid list");
        }
        if (node.isEmpty()) {
            throw MoaError.invalidRequest("messages", "messages: at least one message is required");
        }
        List<Message> conversation = new ArrayList<>();
        Set<String> calls = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String param = "messages." + i;
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw MoaError.invalidRequest(param, param + ": Input should be an object with role and content");
            }
            String role = message.path("role").isTextual() ? message.get("role").textValue() : null;
            if (!"user".equals(role) && !"assistant".equals(role) && !"system".equals(role)) {
                throw MoaError.invalidRequest(param + ".role", param
                        + ".role: Input should be 'user', 'assistant' or 'system'");
            }
            JsonNode content = message.get("content");
            if (content == null || content.isNull()) {
                throw MoaError.invalidRequest(param + ".content", param + ".content: Field required");
            }
            if ("system".equals(role)) {
                // Claude Code's mid-conversation system messages (beta mid-conversation-system): text only.
                system(content).ifPresent(conversation::add);
                continue;
            }
            if (content.isTextual()) {
                conversation.add(new Message(role, content.textValue()));
                continue;
            }
            if (!content.isArray()) {
                throw MoaError.invalidRequest(param + ".content", param
                        + ".content: Input should be a string or a list of content blocks");
            }
            if ("assistant".equals(role)) {
                Message turn = assistant(content, param + ".content");
                turn.toolCalls().forEach(c -> calls.add(c.id()));
                conversation.add(turn);
            } else {
                conversation.addAll(user(content, param + ".content", calls));
            }
        }
        return conversation;
    }

    private static Message assistant(JsonNode blocks, String param) {
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String at = param + "." + i;
            JsonNode block = block(blocks.get(i), at);
            switch (block.path("type").asText()) {
                case "text" -> text.append(text(block, at));
                case "tool_use" -> {
                    String id = requiredText(block, "id", at);
                    String name = requiredText(block, "name", at);
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw MoaError.invalidRequest(at + ".input", at + ".input: Input should be an object");
                    }
                    calls.add(new ToolCall(id, name, input.toString()));
                }
                // The model's own notes of an earlier turn: not sent on.
                case "thinking", "redacted_thinking" -> {
                }
                default -> throw unsupported(block, at);
            }
        }
        return Message.assistant(text.toString(), calls);
    }

    /** Tool results first (they answer the previous turn's calls), then the user's own text. */
    private static List<Message> user(JsonNode blocks, String param, Set<String> calls) {
        List<Message> turns = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String at = param + "." + i;
            JsonNode block = block(blocks.get(i), at);
            switch (block.path("type").asText()) {
                case "text" -> text.add(text(block, at));
                case "tool_result" -> {
                    String id = requiredText(block, "tool_use_id", at);
                    if (!calls.contains(id)) {
                        throw MoaError.invalidRequest(at + ".tool_use_id", at + ": tool_result for tool_use_id '" + id
                                + "', but no earlier assistant message has a tool_use block with that id");
                    }
                    String result = toolResult(block.get("content"), at + ".content");
                    boolean error = block.has("is_error") && bool(block, "is_error");
                    turns.add(Message.toolResult(id, error ? "Error: " + result : result));
                }
                case "thinking", "redacted_thinking" -> {
                }
                default -> throw unsupported(block, at);
            }
        }
        if (!text.isEmpty() || turns.isEmpty()) {
            turns.add(Message.user(String.join("\n\n", text)));
        }
        return turns;
    }

    private static String toolResult(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw MoaError.invalidRequest(param, param + ": Input should be a string or a list of text blocks");
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            String at = param + "." + i;
            JsonNode block = block(content.get(i), at);
            if (!"text".equals(block.path("type").asText())) {
                throw unsupported(block, at);
            }
            parts.add(text(block, at));
        }
        return String.join("\n\n", parts);
    }

    private static JsonNode block(JsonNode block, String param) {
        if (!block.isObject() || !block.path("type").isTextual()) {
            throw MoaError.invalidRequest(param, param + ": Input should be a content block with a 'type'");
        }
        return block;
    }

    private static MoaError unsupported(JsonNode block, String param) {
        String type = block.path("type").asText();
        return switch (type) {
            case "image", "document" -> MoaError.invalidRequest(param + ".type", param + ": '" + type
                    + "' blocks are not supported: a mix takes text, tool_use and tool_result blocks.");
            default -> MoaError.invalidRequest(param + ".type", param + ": unknown or unsupported content block type '"
                    + type + "'");
        };
    }

    private static List<ToolSpec> tools(JsonNode node) {
        return ToolListCheck.check(node, TOOLS, MessagesRequestCodec::clientTool);
    }

    /** A client tool's fields, for the shared check (null as absent); server tools are refused. */
    private static ToolListCheck.Fields clientTool(String param, JsonNode tool) {
        JsonNode type = tool.get("type");
        if (type != null && !type.isNull() && !"custom".equals(type.asText())) {
            throw MoaError.invalidRequest(param + ".type", param + ": tool type '" + type.asText()
                    + "' is not supported: a mix runs only client tools (name, description, input_schema).");
        }
        JsonNode description = tool.get("description");
        return new ToolListCheck.Fields(param, TextNode.valueOf(requiredText(tool, "name", param)),
                description == null || description.isNull() ? null : description, tool.get("input_schema"), null);
    }

    private static ToolChoice toolChoice(JsonNode node, Set<String> tools) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject() || !node.path("type").isTextual()) {
            throw MoaError.invalidRequest("tool_choice", "tool_choice: Input should be an object with a 'type'");
        }
        return switch (node.get("type").textValue()) {
            case "auto" -> new ToolChoice.Auto();
            case "any" -> new ToolChoice.Required();
            case "none" -> new ToolChoice.None();
            case "tool" -> {
                String name = requiredText(node, "name", "tool_choice");
                if (!tools.contains(name)) {
                    throw MoaError.invalidRequest("tool_choice.name", "tool_choice.name: no tool named '" + name
                            + "' in tools");
                }
                yield new ToolChoice.Named(name);
            }
            default -> throw MoaError.invalidRequest("tool_choice.type",
                    "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
        };
    }

    private static void thinking(JsonNode node) {
        if (node != null && !node.isNull() && (!node.isObject() || !node.path("type").isTextual())) {
            throw MoaError.invalidRequest("thinking", "thinking: Input should be an object with a 'type'");
        }
    }

    private static List<String> stopSequences(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray() || node.size() > MAX_STOP_SEQUENCES) {
            throw MoaError.invalidRequest("stop_sequences", "stop_sequences: Input should be a list of strings");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode stop : node) {
            if (!stop.isTextual() || stop.textValue().isEmpty()) {
                throw MoaError.invalidRequest("stop_sequences", "stop_sequences: each must be a non-empty string");
            }
            stops.add(stop.textValue());
        }
        return stops.isEmpty() ? null : stops;
    }

    private static String text(JsonNode block, String param) {
        JsonNode text = block.get("text");
        if (text == null || !text.isTextual()) {
            throw MoaError.invalidRequest(param + ".text", param + ".text: Input should be a string");
        }
        return text.textValue();
    }

    private static String requiredText(JsonNode body, String field) {
        return requiredText(body, field, null);
    }

    private static String requiredText(JsonNode node, String field, String parent) {
        String param = parent == null ? field : parent + "." + field;
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw MoaError.invalidRequest(param, param + ": Field required");
        }
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw MoaError.invalidRequest(param, param + ": Input should be a non-empty string");
        }
        return value.textValue();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.doubleValue() < min || value.doubleValue() > max) {
            throw MoaError.invalidRequest(field, field + ": Input should be a number from " + (int) min + " to "
                    + (int) max);
        }
        return value.doubleValue();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw MoaError.invalidRequest(field, field + ": Input should be a valid boolean");
        }
        return value.booleanValue();
    }

    private static void object(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !value.isObject()) {
            throw MoaError.invalidRequest(field, field + ": Input should be an object");
        }
    }
}
