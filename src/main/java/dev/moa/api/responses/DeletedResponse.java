package dev.moa.api.responses;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code DELETE /v1/responses/{id}}'s answer, as OpenAI writes it. */
@RegisterForReflection
public record DeletedResponse(String id, String object, boolean deleted) {
}
