package dev.moa.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An OpenAI file object: an uploaded batch input ({@code purpose: batch}), eval items ({@code evals}) or a batch's
 * result ({@code batch_output}).
 */
@RegisterForReflection
public record FileObject(
        String id,
        String object,
        long bytes,
        @JsonProperty("created_at") long createdAt,
        String filename,
        String purpose,
        String status) {

    public static final String BATCH = "batch";
    public static final String BATCH_OUTPUT = "batch_output";
    /** Items for eval runs ({@code data_source.source.type: file_id}). */
    public static final String EVALS = "evals";

    public static FileObject of(String id, long bytes, long createdAt, String filename, String purpose) {
        return new FileObject(id, "file", bytes, createdAt, filename, purpose, "processed");
    }

    /** {@code DELETE /v1/files/{id}}'s answer. */
    @RegisterForReflection
    public record Deleted(String id, String object, boolean deleted) {
    }
}
