package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** {@code GET /v1/models}: the mixes, as OpenAI lists models. */
@RegisterForReflection
public record ModelList(String object, List<Model> data) {

    @RegisterForReflection
    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
    }
}
