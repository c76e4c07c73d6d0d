package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.ApiError;
import dev.moa.store.ResponseStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI Responses API, answered by a mix: {@code POST /v1/responses}, and the stored responses
 * ({@code GET}/{@code DELETE /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items}). Failures leave as
 * OpenAI error objects.
 */
@Path("/v1/responses")
public class ResponsesResource {

    private final StoredResponses stored;

    public ResponsesResource(ResponseStore store, ObjectMapper json) {
        this.stored = new StoredResponses(store, json);
    }

    /** A stored response as it was answered. Blocking: the store may be S3. */
    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public JsonNode retrieve(@PathParam("id") String id, @QueryParam("stream") Boolean stream) {
        if (Boolean.TRUE.equals(stream)) {
            throw ApiError.invalidRequest("stream", "Streaming a stored response again is not supported: every "
                    + "response here is complete when it is stored.");
        }
        return stored.require(id).path("response");
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public DeletedResponse delete(@PathParam("id") String id) {
        if (!stored.delete(id)) {
            throw StoredResponses.notFound(id);
        }
        return new DeletedResponse(id, "response", true);
    }

    /**
     * The response's own input items (not those of the responses it continued), newest first unless
     * {@code order=asc}; {@code after} an item id, {@code limit} 1 to 100 (default 20).
     */
    @GET
    @Path("/{id}/input_items")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public InputItemList inputItems(@PathParam("id") String id, @QueryParam("limit") String limit,
                                    @QueryParam("order") String order, @QueryParam("after") String after) {
        int size = 20;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > 100) {
                throw ApiError.invalidRequest("limit", "'limit' must be an integer from 1 to 100.");
            }
        }
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw ApiError.invalidRequest("order", "'order' must be 'asc' or 'desc'.");
        }
        List<JsonNode> items = new ArrayList<>();
        stored.require(id).path("input").forEach(items::add);
        if (!"asc".equals(order)) {
            java.util.Collections.reverse(items);
        }
        int start = 0;
        if (after != null) {
            start = -1;
            for (int i = 0; i < items.size(); i++) {
                if (after.equals(items.get(i).path("id").asText())) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                throw ApiError.invalidRequest("after", "No input item with id '" + after + "' in response '" + id
                        + "'.");
            }
        }
        int end = Math.min(items.size(), start + size);
        return InputItemList.of(items.subList(start, end), end < items.size());
    }
}
