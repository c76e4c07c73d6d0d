package dev.moa.provider;

import java.util.Objects;

/** One turn of a conversation, text only. Roles are {@code system}, {@code user} and {@code assistant}. */
public record Message(String role, String content) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public Message {
        Objects.requireNonNull(role);
        Objects.requireNonNull(content);
    }

    public static Message system(String content) {
        return new Message(SYSTEM, content);
    }

    public boolean isSystem() {
        return SYSTEM.equals(role);
    }

    public boolean isUser() {
        return USER.equals(role);
    }

    public Message withContent(String newContent) {
        return new Message(role, newContent);
    }
}
