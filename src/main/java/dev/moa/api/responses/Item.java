package dev.moa.api.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;
import java.util.Objects;

/**
 * One item of a Responses conversation, as the API writes it: in {@code input} (and {@code input_items}), in a
 * response's {@code output}, and in a stored conversation that a later {@code previous_response_id} continues.
 * Every item has an id: the client's, or one given here.
 */
public sealed interface Item {

    String id();

    @JsonProperty("type")
    String type();

    /**
     * A message. Input roles are {@code user}, {@code system} and {@code developer} with {@code input_text} parts;
     * {@code assistant} messages carry {@code output_text} parts (with their empty annotations and log probabilities,
     * as the schema requires).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Message(String id, String status, String role, List<Part> content) implements Item {

        public Message {
            Objects.requireNonNull(role);
            content = List.copyOf(content);
        }

        static Message of(String id, String role, String text) {
            return new Message(id, "completed", role, List.of("assistant".equals(role) ? Part.output(text)
                    : Part.input(text)));
        }

        @Override
        @JsonProperty("type")
        public String type() {
            return "message";
        }

        /** The parts' text, joined by newlines (as chat joins text parts). */
        String text() {
            return String.join("\n", content.stream().map(Part::text).toList());
        }
    }

    /** {@code input_text}, or {@code output_text} with {@code annotations} and {@code logprobs} (always empty here). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Part(String type, String text, List<JsonNode> annotations, List<JsonNode> logprobs) {

        static Part input(String text) {
            return new Part("input_text", text, null, null);
        }

        static Part output(String text) {
            return new Part("output_text", text, List.of(), List.of());
        }
    }

    /** A call the model asked for; {@code call_id} is what the matching {@link FunctionCallOutput} names. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FunctionCall(String id, @JsonProperty("call_id") String callId, String name, String arguments,
                        String status) implements Item {

        @Override
        @JsonProperty("type")
        public String type() {
            return "function_call";
        }
    }

    /** The client's result of one function call. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FunctionCallOutput(String id, @JsonProperty("call_id") String callId, String output, String status)
            implements Item {

        @Override
        @JsonProperty("type")
        public String type() {
            return "function_call_output";
        }
    }

    /**
     * A reasoning item from an earlier turn (another model's, or a client's replay): kept with the conversation,
     * never sent on to a mix's models.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Reasoning(String id, List<JsonNode> summary, @JsonProperty("encrypted_content") String encryptedContent)
            implements Item {

        public Reasoning {
            summary = summary == null ? List.of() : List.copyOf(summary);
        }

        @Override
        @JsonProperty("type")
        public String type() {
            return "reasoning";
        }
    }
}
