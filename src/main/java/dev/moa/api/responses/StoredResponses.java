package dev.moa.api.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.model.MoaError;
import dev.moa.store.ResponseStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Stored responses as JSON records in the {@link ResponseStore}. A record is read back as a tree: the response and
 * the input items are returned as they were written; the conversation is read again with the request codec's checks
 * when a request continues it. Blocking: the store may be S3.
 */
final class StoredResponses {

    private final ResponseStore store;
    private final ObjectMapper json;

    StoredResponses(ResponseStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    void save(StoredResponse record) {
        try {
            store.put(record.response().id(), json.writeValueAsBytes(record));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<JsonNode> find(String id) {
        return store.get(id).map(bytes -> {
            try {
                return json.readTree(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("stored response " + id + " is not JSON", e);
            }
        });
    }

    /** The record, or OpenAI's 404 for an id never stored, deleted or expired. */
    JsonNode require(String id) {
        return find(id).orElseThrow(() -> notFound(id));
    }

    boolean delete(String id) {
        return store.delete(id);
    }

    /** The conversation {@code previous_response_id} continues: 404 when there is no such response. */
    List<Item> conversation(String previousResponseId) {
        JsonNode record = find(previousResponseId).orElseThrow(() -> new MoaError(MoaError.Kind.NOT_FOUND,
                "previous_response_id", "previous_response_not_found", "Previous response with id '"
                + previousResponseId + "' not found."));
        return ResponsesRequestCodec.storedItems(record.path("conversation"));
    }

    static MoaError notFound(String id) {
        return new MoaError(MoaError.Kind.NOT_FOUND, null, null, "Response with id '" + id + "' not found.");
    }
}
