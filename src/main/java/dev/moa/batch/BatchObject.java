package dev.moa.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * An OpenAI batch object, as the API returns it and as it is stored ({@code batches/<id>.json}). Immutable: each
 * change of state is a new value. {@code moa_client_key} (ours) names the client key that created it: its lines are
 * charged to that key's limits.
 */
@RegisterForReflection
public record BatchObject(
        String id,
        String object,
        String endpoint,
        Errors errors,
        @JsonProperty("input_file_id") String inputFileId,
        @JsonProperty("completion_window") String completionWindow,
        String status,
        @JsonProperty("output_file_id") String outputFileId,
        @JsonProperty("error_file_id") String errorFileId,
        @JsonProperty("created_at") long createdAt,
        @JsonProperty("in_progress_at") Long inProgressAt,
        @JsonProperty("expires_at") Long expiresAt,
        @JsonProperty("finalizing_at") Long finalizingAt,
        @JsonProperty("completed_at") Long completedAt,
        @JsonProperty("failed_at") Long failedAt,
        @JsonProperty("expired_at") Long expiredAt,
        @JsonProperty("cancelling_at") Long cancellingAt,
        @JsonProperty("cancelled_at") Long cancelledAt,
        @JsonProperty("request_counts") RequestCounts requestCounts,
        JsonNode metadata,
        @JsonProperty("moa_client_key") @JsonInclude(JsonInclude.Include.NON_NULL) String clientKey) {

    public static final String VALIDATING = "validating";
    public static final String FAILED = "failed";
    public static final String IN_PROGRESS = "in_progress";
    public static final String FINALIZING = "finalizing";
    public static final String COMPLETED = "completed";
    public static final String CANCELLING = "cancelling";
    public static final String CANCELLED = "cancelled";
    public static final String EXPIRED = "expired";

    /** @param clientKey the name of the client key that created the batch (its lines are charged to it), or null */
    public static BatchObject validating(String id, String inputFileId, String endpoint, String window, long now,
                                         long expiresAt, JsonNode metadata, String clientKey) {
        return new BatchObject(id, "batch", endpoint, null, inputFileId, window, VALIDATING, null, null, now, null,
                expiresAt, null, null, null, null, null, null, new RequestCounts(0, 0, 0), metadata, clientKey);
    }

    /** Whether the batch will not change any more. */
    public boolean finished() {
        return switch (status) {
            case FAILED, COMPLETED, CANCELLED, EXPIRED -> true;
            default -> false;
        };
    }

    public BatchObject failed(List<Error> found, long now) {
        return new BatchObject(id, object, endpoint, new Errors("list", List.copyOf(found)), inputFileId,
                completionWindow, FAILED, outputFileId, errorFileId, createdAt, inProgressAt, expiresAt, finalizingAt,
                completedAt, now, expiredAt, cancellingAt, cancelledAt, requestCounts, metadata, clientKey);
    }

    public BatchObject inProgress(int total, long now) {
        return new BatchObject(id, object, endpoint, errors, inputFileId, completionWindow, IN_PROGRESS, outputFileId,
                errorFileId, createdAt, now, expiresAt, finalizingAt, completedAt, failedAt, expiredAt, cancellingAt,
                cancelledAt, new RequestCounts(total, 0, 0), metadata, clientKey);
    }

    public BatchObject counted(int completed, int failed) {
        return new BatchObject(id, object, endpoint, errors, inputFileId, completionWindow, status, outputFileId,
                errorFileId, createdAt, inProgressAt, expiresAt, finalizingAt, completedAt, failedAt, expiredAt,
                cancellingAt, cancelledAt, new RequestCounts(requestCounts.total(), completed, failed), metadata, clientKey);
    }

    public BatchObject cancelling(long now) {
        return new BatchObject(id, object, endpoint, errors, inputFileId, completionWindow, CANCELLING, outputFileId,
                errorFileId, createdAt, inProgressAt, expiresAt, finalizingAt, completedAt, failedAt, expiredAt, now,
                cancelledAt, requestCounts, metadata, clientKey);
    }

    public BatchObject finalizing(long now) {
        return new BatchObject(id, object, endpoint, errors, inputFileId, completionWindow, FINALIZING, outputFileId,
                errorFileId, createdAt, inProgressAt, expiresAt, now, completedAt, failedAt, expiredAt, cancellingAt,
                cancelledAt, requestCounts, metadata, clientKey);
    }

    /** The end of a run: completed, cancelled or expired, with its files and final counts. */
    public BatchObject ended(String endStatus, String outputFile, String errorFile, int completed, int failed,
                             long now) {
        return new BatchObject(id, object, endpoint, errors, inputFileId, completionWindow, endStatus, outputFile,
                errorFile, createdAt, inProgressAt, expiresAt, finalizingAt == null ? now : finalizingAt,
                COMPLETED.equals(endStatus) ? Long.valueOf(now) : completedAt, failedAt,
                EXPIRED.equals(endStatus) ? Long.valueOf(now) : expiredAt, cancellingAt,
                CANCELLED.equals(endStatus) ? Long.valueOf(now) : cancelledAt,
                new RequestCounts(requestCounts.total(), completed, failed), metadata, clientKey);
    }

    @RegisterForReflection
    public record RequestCounts(int total, int completed, int failed) {
    }

    @RegisterForReflection
    public record Errors(String object, List<Error> data) {
    }

    /** One validation error; {@code line} counts from 1, as editors do. */
    @RegisterForReflection
    public record Error(String code, Integer line, String message, String param) {
    }

    /** {@code GET /v1/batches}: a page, newest first. */
    @RegisterForReflection
    public record Page(String object, List<BatchObject> data, @JsonProperty("first_id") String firstId,
                       @JsonProperty("last_id") String lastId, @JsonProperty("has_more") boolean hasMore) {
    }
}
