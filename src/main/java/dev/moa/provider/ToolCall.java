package dev.moa.provider;

import java.util.Objects;

/**
 * One function call an assistant asked for: OpenAI's {@code {"id", "type": "function", "function": {"name",
 * "arguments"}}}. {@code arguments} is the JSON text exactly as the model wrote it (it may not even parse).
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(name);
        arguments = arguments == null ? "" : arguments;
    }

    /** How a model that cannot call tools reads this call: {@code Call get_weather with {"city": "Paris"}}. */
    public String asText() {
        return "Call " + name + " with " + (arguments.isBlank() ? "{}" : arguments);
    }
}
