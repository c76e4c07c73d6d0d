package dev.moa.api;

import dev.moa.provider.ToolCall;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A tool call in OpenAI's words ({@code {"id", "type": "function", "function": {"name", "arguments"}}}), as a
 * {@code chat.completion} message and the trace's agents write it.
 */
@RegisterForReflection
public record ToolCallView(String id, String type, FunctionView function) {

    public static ToolCallView of(ToolCall call) {
        return new ToolCallView(call.id(), "function", new FunctionView(call.name(), call.arguments()));
    }

    /** The characters of its strings (see {@code ResponseSize.surelyFits}). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public long characters() {
        return (id == null ? 0 : id.length()) + type.length() + function.name().length()
                + function.arguments().length();
    }

    @RegisterForReflection
    public record FunctionView(String name, String arguments) {
    }
}
