package dev.moa.model;

import java.util.Objects;

/** One tool call of an answer; {@code arguments} is the JSON text exactly as the model wrote it (it may not parse). */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(name);
        arguments = arguments == null ? "" : arguments;
    }
}
