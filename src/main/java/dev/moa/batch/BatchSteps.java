package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

/**
 * The three steps of every batch, whoever drives them (the embedded runner, or Step Functions through the
 * internal routes): open (validate, then {@code in_progress} or {@code failed}), run a line (its outcome stored
 * under its index), finish (assemble the output and error files, then {@code completed}, {@code cancelled} or
 * {@code expired}). Each step may be repeated without changing its result.
 */
public final class BatchSteps {

    /** Reads of line outcomes in flight while assembling (S3 GETs are worth overlapping). */
    private static final int ASSEMBLY_READS = 16;

    private final BatchRecords records;
    private final BatchFiles files;
    private final BatchValidator validator;
    private final LineExecutor executor;
    private final ObjectMapper json;
    private final Clock clock;
    private final Set<String> finishing = ConcurrentHashMap.newKeySet();

    public BatchSteps(BatchRecords records, BatchFiles files, BatchValidator validator, LineExecutor executor,
                      ObjectMapper json, Clock clock) {
        this.records = records;
        this.files = files;
        this.validator = validator;
        this.executor = executor;
        this.json = json;
        this.clock = clock;
    }

    public BatchRecords records() {
        return records;
    }

    /** Validates a {@code validating} batch's input; any other batch is returned as it is. */
    public BatchObject open(BatchObject batch) {
        if (!BatchObject.VALIDATING.equals(batch.status())) {
            return batch;
        }
        BatchValidator.Result result;
        Optional<InputStream> input = inputOf(batch);
        if (input.isEmpty()) {
            result = new BatchValidator.Result(List.of(new BatchObject.Error("invalid_file", null,
                    "The input file " + batch.inputFileId() + " no longer exists.", "input_file_id")), 0);
        } else {
            try (InputStream in = input.get()) {
                result = validator.validate(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        BatchValidator.Result found = result;
        // Only a batch still validating moves on: one cancelled meanwhile stays cancelling.
        BatchObject opened = records.update(batch.id(), current -> !BatchObject.VALIDATING.equals(current.status())
                ? null : found.valid() ? current.inProgress(found.lines(), now())
                : current.failed(found.errors(), now())).orElseThrow();
        if (BatchObject.FAILED.equals(opened.status())) {
            writeOutbox(opened, List.of(), List.of());
        }
        return opened;
    }

    /** The input's lines, in order (index 0 is line 1). */
    public List<JsonNode> lines(BatchObject batch) {
        List<JsonNode> lines = new ArrayList<>();
        try (InputStream in = inputOf(batch).orElseThrow(() -> new IllegalStateException("input file gone"))) {
            for (String text : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!text.isBlank()) {
                    lines.add(json.readTree(text));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /**
     * Runs a line unless it already has an outcome (a retried step), and stores the outcome. The line is charged to
     * the client key that created the batch.
     */
    public Uni<LineOutcome> runLine(BatchObject batch, int index, JsonNode line) {
        return runLine(batch, index, line, () -> true);
    }

    /**
     * As {@link #runLine(BatchObject, int, JsonNode)}, storing the outcome only if {@code keep} still says so when it
     * arrives: a line cut short by the process stopping is not a failed line, it runs again after the restart.
     */
    public Uni<LineOutcome> runLine(BatchObject batch, int index, JsonNode line, BooleanSupplier keep) {
        String batchId = batch.id();
        Optional<LineOutcome> stored = records.line(BatchKeys.line(batchId, index));
        if (stored.isPresent()) {
            return Uni.createFrom().item(stored.get());
        }
        return executor.run(index, line, Optional.ofNullable(batch.clientKey())).invoke(outcome -> {
            if (keep.getAsBoolean()) {
                records.saveLine(batchId, outcome);
            }
        });
    }

    /**
     * Assembles the files from the stored outcomes and ends the batch. A line without an outcome is an error line
     * ({@code line_not_run}), except in a cancelled batch, where it simply did not run.
     */
    public BatchObject finish(String batchId) {
        BatchObject batch = records.find(batchId).orElseThrow(() -> new IllegalStateException("no batch " + batchId));
        if (batch.finished() || !finishing.add(batchId)) {
            return batch;
        }
        try {
            boolean cancelled = BatchObject.CANCELLING.equals(batch.status());
            boolean expired = !cancelled && batch.expiresAt() != null && now() > batch.expiresAt();
            if (!BatchObject.FINALIZING.equals(batch.status()) && !cancelled) {
                batch = batch.finalizing(now());
                records.save(batch);
            }
            List<LineOutcome> outcomes = readOutcomes(batchId);
            List<JsonNode> outputs = new ArrayList<>();
            List<JsonNode> errors = new ArrayList<>();
            boolean[] seen = new boolean[batch.requestCounts().total()];
            for (LineOutcome outcome : outcomes) {
                if (outcome.index() < seen.length) {
                    seen[outcome.index()] = true;
                    (outcome.failed() ? errors : outputs).add(outcome.output());
                }
            }
            if (!cancelled) {
                List<JsonNode> lines = null;
                for (int index = 0; index < seen.length; index++) {
                    if (!seen[index]) {
                        lines = lines == null ? lines(batch) : lines;
                        errors.add(notRun(lines.get(index), expired));
                    }
                }
            }
            String outputId = outputs.isEmpty() ? null : files.write(Ids.outputFile(batchId),
                    batchId + "_output.jsonl", FileObject.BATCH_OUTPUT, jsonl(outputs)).id();
            String errorId = errors.isEmpty() ? null : files.write(Ids.errorFile(batchId),
                    batchId + "_error.jsonl", FileObject.BATCH_OUTPUT, jsonl(errors)).id();
            String status = cancelled ? BatchObject.CANCELLED : expired ? BatchObject.EXPIRED : BatchObject.COMPLETED;
            BatchObject ended = batch.ended(status, outputId, errorId, outputs.size(), errors.size(), now());
            writeOutbox(ended, outputs, errors);
            records.save(ended);
            return ended;
        } finally {
            finishing.remove(batchId);
        }
    }

    private JsonNode notRun(JsonNode line, boolean expired) {
        var output = json.createObjectNode();
        output.put("id", Ids.request());
        output.put("custom_id", line.path("custom_id").asText());
        output.putNull("response");
        output.putObject("error")
                .put("code", expired ? "batch_expired" : "line_not_run")
                .put("message", expired ? "This request could not be executed before the completion window expired."
                        : "This request did not run: its step failed after its retries.");
        return output;
    }

    private List<LineOutcome> readOutcomes(String batchId) {
        List<String> keys = records.lineKeys(batchId);
        ExecutorService reads = Executors.newFixedThreadPool(Math.max(1, Math.min(ASSEMBLY_READS, keys.size())));
        try {
            List<Future<Optional<LineOutcome>>> pending = new ArrayList<>();
            for (String key : keys) {
                pending.add(reads.submit(() -> records.line(key)));
            }
            List<LineOutcome> outcomes = new ArrayList<>();
            for (Future<Optional<LineOutcome>> read : pending) {
                read.get().ifPresent(outcomes::add);
            }
            return outcomes;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read a line's outcome", e.getCause());
        } finally {
            reads.shutdownNow();
        }
    }

    /** A drop-folder batch (its input under {@code inbox/}) also leaves its results under {@code outbox/<name>/}. */
    private void writeOutbox(BatchObject batch, List<JsonNode> outputs, List<JsonNode> errors) {
        String source = batch.metadata() == null ? null : batch.metadata().path("inbox_key").asText(null);
        if (source == null) {
            return;
        }
        String outbox = BatchKeys.outbox(source);
        records.store().put(outbox + "output.jsonl", jsonl(outputs));
        records.store().put(outbox + "errors.jsonl", jsonl(errors));
        try {
            records.store().put(outbox + "batch.json", json.writerWithDefaultPrettyPrinter().writeValueAsBytes(batch));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<InputStream> inputOf(BatchObject batch) {
        String source = batch.metadata() == null ? null : batch.metadata().path("inbox_key").asText(null);
        return source != null ? records.store().open(source) : files.content(batch.inputFileId());
    }

    private byte[] jsonl(List<JsonNode> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (JsonNode line : lines) {
                out.write(json.writeValueAsBytes(line));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }
}
