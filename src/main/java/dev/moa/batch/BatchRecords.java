package dev.moa.batch;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** Batch objects ({@code batches/<id>.json}) and their lines' outcomes ({@code lines/<id>/<index>.json}). */
public final class BatchRecords {

    private final BatchStore store;
    private final StoredJson json;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public BatchRecords(BatchStore store, ObjectMapper json) {
        this.store = store;
        this.json = new StoredJson(json, "batch store");
    }

    public BatchStore store() {
        return store;
    }

    public Optional<BatchObject> find(String id) {
        return Ids.isBatch(id)
                ? store.get(BatchKeys.batch(id)).map(bytes -> json.read(bytes, BatchObject.class))
                : Optional.empty();
    }

    public void save(BatchObject batch) {
        synchronized (lock(batch.id())) {
            store.put(BatchKeys.batch(batch.id()), json.write(batch));
        }
    }

    /**
     * Reads, changes and writes a batch object as one step within this process (a count update never undoes a
     * cancel). {@code change} returns null to leave the batch as it is.
     */
    public Optional<BatchObject> update(String id, UnaryOperator<BatchObject> change) {
        synchronized (lock(id)) {
            Optional<BatchObject> current = find(id);
            if (current.isEmpty()) {
                return current;
            }
            BatchObject changed = change.apply(current.get());
            if (changed == null) {
                return current;
            }
            store.put(BatchKeys.batch(id), json.write(changed));
            return Optional.of(changed);
        }
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, key -> new Object());
    }

    /** Newest first. */
    public List<BatchObject> all() {
        return store.list(BatchKeys.BATCHES).stream().filter(key -> key.endsWith(".json"))
                .map(store::get).flatMap(Optional::stream).map(bytes -> json.read(bytes, BatchObject.class))
                .sorted(Comparator.comparingLong(BatchObject::createdAt).reversed().thenComparing(BatchObject::id))
                .toList();
    }

    /** Written under the line's index: a line run twice (a retried step) still has one outcome. */
    public void saveLine(String batchId, LineOutcome outcome) {
        store.put(BatchKeys.line(batchId, outcome.index()), json.write(outcome));
    }

    public List<String> lineKeys(String batchId) {
        return store.list(BatchKeys.lines(batchId));
    }

    public Optional<LineOutcome> line(String key) {
        return store.get(key).map(bytes -> json.read(bytes, LineOutcome.class));
    }

    public void saveExecution(String batchId, String executionArn) {
        store.put(BatchKeys.execution(batchId), executionArn.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public Optional<String> execution(String batchId) {
        return store.get(BatchKeys.execution(batchId))
                .map(bytes -> new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }
}
