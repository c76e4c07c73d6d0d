package dev.moa.api.responses;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * What {@code store: true} keeps of one response: the {@code response} object as it was answered, this request's own
 * {@code input} items (what {@code input_items} lists), and the whole conversation so far — the earlier responses'
 * conversation, this input and this output — which a later {@code previous_response_id} continues.
 */
@RegisterForReflection
public record StoredResponse(ResponseObject response, List<Item> input, List<Item> conversation) {

    public StoredResponse {
        input = List.copyOf(input);
        conversation = List.copyOf(conversation);
    }
}
