package dev.moa.api.responses;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** {@code GET /v1/responses/{id}/input_items}: one page of a stored response's input items. */
@RegisterForReflection
public record InputItemList(String object, List<JsonNode> data, @JsonProperty("first_id") String firstId,
                            @JsonProperty("last_id") String lastId, @JsonProperty("has_more") boolean hasMore) {

    static InputItemList of(List<JsonNode> page, boolean hasMore) {
        return new InputItemList("list", page, page.isEmpty() ? null : page.get(0).path("id").asText(),
                page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText(), hasMore);
    }
}
