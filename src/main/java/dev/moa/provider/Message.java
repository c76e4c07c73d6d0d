package dev.moa.provider;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation. Roles are {@code system}, {@code user}, {@code assistant} and {@code tool}.
 * An assistant turn may carry the tool calls it made ({@code content} is then often empty); a tool turn carries
 * the result of one call and the id of the call it answers.
 */
public record Message(String role, String content, List<ToolCall> toolCalls, String toolCallId) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String TOOL = "tool";

    public Message {
        Objects.requireNonNull(role);
        Objects.requireNonNull(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A text turn. */
    public Message(String role, String content) {
        this(role, content, List.of(), null);
    }

    public static Message system(String content) {
        return new Message(SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(USER, content);
    }

    public static Message assistant(String content, List<ToolCall> toolCalls) {
        return new Message(ASSISTANT, content, toolCalls, null);
    }

    public static Message toolResult(String toolCallId, String content) {
        return new Message(TOOL, content, List.of(), Objects.requireNonNull(toolCallId));
    }

    public boolean isSystem() {
        return SYSTEM.equals(role);
    }

    public boolean isUser() {
        return USER.equals(role);
    }

    public boolean isAssistant() {
        return ASSISTANT.equals(role);
    }

    public boolean isToolResult() {
        return TOOL.equals(role);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    public Message withContent(String newContent) {
        return new Message(role, newContent, toolCalls, toolCallId);
    }
}
