package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.model.MoaError;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The Batches API: create (validate the request, store, hand to the runner), read, list, cancel. */
public final class Batches {

    static final String WINDOW = "24h";
    private static final Duration WINDOW_LENGTH = Duration.ofHours(24);

    private final BatchRecords records;
    private final BatchFiles files;
    private final BatchRunner runner;
    private final Clock clock;

    public Batches(BatchRecords records, BatchFiles files, BatchRunner runner, Clock clock) {
        this.records = records;
        this.files = files;
        this.runner = runner;
        this.clock = clock;
    }

    /** @param clientKey the name of the calling client key, recorded on the batch (its lines are charged to it) */
    public BatchObject create(JsonNode request, Optional<String> clientKey) {
        String inputFileId = text(request, "input_file_id");
        String endpoint = text(request, "endpoint");
        String window = text(request, "completion_window");
        if (!BatchValidator.ENDPOINT.equals(endpoint)) {
            throw MoaError.invalidRequest("endpoint", "endpoint must be \"" + BatchValidator.ENDPOINT
                    + "\": the only endpoint a batch can call here.");
        }
        if (!WINDOW.equals(window)) {
            throw MoaError.invalidRequest("completion_window", "completion_window must be \"24h\".");
        }
        JsonNode metadata = request.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw MoaError.invalidRequest("metadata", "metadata must be an object of strings.");
        }
        FileObject input = files.find(inputFileId).orElseThrow(() -> new MoaError(MoaError.Kind.INVALID_REQUEST,
                "input_file_id", "invalid_file", "No file with id '" + inputFileId + "'."));
        if (!FileObject.BATCH.equals(input.purpose())) {
            throw new MoaError(MoaError.Kind.INVALID_REQUEST, "input_file_id", "invalid_file",
                    "The file " + inputFileId + " has purpose '" + input.purpose() + "', not 'batch'.");
        }
        long now = clock.instant().getEpochSecond();
        BatchObject batch = BatchObject.validating(Ids.batch(), inputFileId, endpoint, window, now,
                now + WINDOW_LENGTH.toSeconds(), metadata == null || metadata.isNull() ? null : metadata, clientKey.orElse(null));
        records.save(batch);
        runner.start(batch);
        return records.find(batch.id()).orElse(batch);
    }

    public BatchObject get(String id) {
        return records.find(id).orElseThrow(() -> notFound(id));
    }

    /** Newest first, after the batch {@code after} if given; at most {@code limit} (1 to 100, default 20). */
    public BatchObject.Page list(String after, Integer limit) {
        int size = limit == null ? 20 : limit;
        if (size < 1 || size > 100) {
            throw MoaError.invalidRequest("limit", "limit must be between 1 and 100.");
        }
        List<BatchObject> all = records.all();
        int start = 0;
        if (after != null) {
            start = -1;
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).id().equals(after)) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                throw MoaError.invalidRequest("after", "No batch with id '" + after + "'.");
            }
        }
        List<BatchObject> page = all.subList(Math.min(start, all.size()), Math.min(start + size, all.size()));
        return new BatchObject.Page("list", List.copyOf(page), page.isEmpty() ? null : page.get(0).id(),
                page.isEmpty() ? null : page.get(page.size() - 1).id(), start + size < all.size());
    }

    /** Marks a running batch {@code cancelling} and lets the runner end it; a finished batch cannot be cancelled. */
    public BatchObject cancel(String id) {
        BatchObject current = get(id);
        if (current.finished()) {
            throw new MoaError(MoaError.Kind.CONFLICT, null, "batch_not_cancellable",
                    "Batch " + id + " is " + current.status() + " and can no longer be cancelled.");
        }
        long now = clock.instant().getEpochSecond();
        Optional<BatchObject> marked = records.update(id, batch -> switch (batch.status()) {
            case BatchObject.VALIDATING, BatchObject.IN_PROGRESS -> batch.cancelling(now);
            default -> null;
        });
        BatchObject batch = marked.orElseThrow(() -> notFound(id));
        if (BatchObject.CANCELLING.equals(batch.status())) {
            runner.cancel(batch);
        }
        return records.find(id).orElse(batch);
    }

    private static String text(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || !value.isTextual()) {
            throw MoaError.invalidRequest(field, "Missing required parameter: '" + field + "'.");
        }
        return value.asText();
    }

    static MoaError notFound(String id) {
        return new MoaError(MoaError.Kind.NOT_FOUND, null, "not_found", "No batch found with id '" + id + "'.");
    }
}
