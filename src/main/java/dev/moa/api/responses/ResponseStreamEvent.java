package dev.moa.api.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * One server-sent event of a streamed response ({@code response.created}, {@code response.output_text.delta}...):
 * every event has its {@code type} and {@code sequence_number}; each type sets the fields the API gives it, and the
 * others are left out.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseStreamEvent(
        String type,
        @JsonProperty("sequence_number") long sequenceNumber,
        ResponseObject response,
        @JsonProperty("output_index") Integer outputIndex,
        Item item,
        @JsonProperty("item_id") String itemId,
        @JsonProperty("content_index") Integer contentIndex,
        Item.Part part,
        String delta,
        String text,
        String name,
        String arguments,
        List<JsonNode> logprobs) {

    static ResponseStreamEvent ofResponse(String type, long sequence, ResponseObject response) {
        return new ResponseStreamEvent(type, sequence, response, null, null, null, null, null, null, null, null, null,
                null);
    }

    static ResponseStreamEvent ofItem(String type, long sequence, int outputIndex, Item item) {
        return new ResponseStreamEvent(type, sequence, null, outputIndex, item, null, null, null, null, null, null,
                null, null);
    }

    static ResponseStreamEvent ofPart(String type, long sequence, String itemId, int outputIndex, Item.Part part) {
        return new ResponseStreamEvent(type, sequence, null, outputIndex, null, itemId, 0, part, null, null, null,
                null, null);
    }

    static ResponseStreamEvent textDelta(long sequence, String itemId, int outputIndex, String delta) {
        return new ResponseStreamEvent("response.output_text.delta", sequence, null, outputIndex, null, itemId, 0,
                null, delta, null, null, null, List.of());
    }

    static ResponseStreamEvent textDone(long sequence, String itemId, int outputIndex, String text) {
        return new ResponseStreamEvent("response.output_text.done", sequence, null, outputIndex, null, itemId, 0,
                null, null, text, null, null, List.of());
    }

    static ResponseStreamEvent argumentsDelta(long sequence, String itemId, int outputIndex, String delta) {
        return new ResponseStreamEvent("response.function_call_arguments.delta", sequence, null, outputIndex, null,
                itemId, null, null, delta, null, null, null, null);
    }

    static ResponseStreamEvent argumentsDone(long sequence, String itemId, int outputIndex, String name,
                                             String arguments) {
        return new ResponseStreamEvent("response.function_call_arguments.done", sequence, null, outputIndex, null,
                itemId, null, null, null, null, name, arguments, null);
    }
}
