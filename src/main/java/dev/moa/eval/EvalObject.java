package dev.moa.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** OpenAI's eval object; {@code data_source_config} and {@code testing_criteria} as stored (graders with ids). */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record EvalObject(
        String object,
        String id,
        String name,
        @JsonProperty("data_source_config") JsonNode dataSourceConfig,
        @JsonProperty("testing_criteria") JsonNode testingCriteria,
        @JsonProperty("created_at") long createdAt,
        JsonNode metadata) {

    public EvalObject renamed(String newName, JsonNode newMetadata) {
        return new EvalObject(object, id, newName, dataSourceConfig, testingCriteria, createdAt, newMetadata);
    }

    /** The item schema the eval was created with ({@code schema.properties.item}). */
    public JsonNode itemSchema() {
        return dataSourceConfig.path("schema").path("properties").path("item");
    }

    /** {@code DELETE /v1/evals/{id}}'s answer. */
    @RegisterForReflection
    public record Deleted(String object, boolean deleted, @JsonProperty("eval_id") String evalId) {
    }

    /** A page of a list endpoint, in OpenAI's shape. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Page<T>(String object, List<T> data, @JsonProperty("first_id") String firstId,
                          @JsonProperty("last_id") String lastId, @JsonProperty("has_more") boolean hasMore) {
    }
}
