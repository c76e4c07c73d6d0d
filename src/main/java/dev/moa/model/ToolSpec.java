package dev.moa.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A function the client offers the model: name, description and the JSON Schema of its input (OpenAI's
 * {@code parameters}, Anthropic's {@code input_schema}).
 *
 * @param strict OpenAI's {@code strict}; null when not set
 */
public record ToolSpec(String name, String description, JsonNode schema, Boolean strict) {

    public ToolSpec {
        Objects.requireNonNull(name);
        schema = schema == null ? null : schema.deepCopy();
    }
}
