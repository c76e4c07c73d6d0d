package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.BatchStore;
import dev.moa.batch.StoredJson;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Evals, runs, their items and output items in the batch store, under {@code evals/}: {@code objects/<eval>.json},
 * {@code runs/<eval>/<run>.json}, {@code items/<run>.jsonl} (the run's items as checked),
 * {@code outputs/<run>/<index>.json} (one per evaluated item, written once it is whole) and, on AWS,
 * {@code executions/<run>} (the run's state machine execution).
 */
public final class EvalRecords {

    private static final String ROOT = "evals/";

    private final BatchStore store;
    private final StoredJson json;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public EvalRecords(BatchStore store, ObjectMapper json) {
        this.store = store;
        this.json = new StoredJson(json, "eval store");
    }

    public Optional<EvalObject> eval(String id) {
        return EvalIds.isEval(id)
                ? store.get(ROOT + "objects/" + id + ".json").map(b -> json.read(b, EvalObject.class))
                : Optional.empty();
    }

    public void save(EvalObject eval) {
        store.put(ROOT + "objects/" + eval.id() + ".json", json.write(eval));
    }

    /** Oldest first. */
    public List<EvalObject> evals() {
        return store.list(ROOT + "objects/").stream().filter(k -> k.endsWith(".json")).map(store::get)
                .flatMap(Optional::stream).map(b -> json.read(b, EvalObject.class))
                .sorted(Comparator.comparingLong(EvalObject::createdAt).thenComparing(EvalObject::id)).toList();
    }

    public void deleteEval(String id) {
        store.delete(ROOT + "objects/" + id + ".json");
    }

    public Optional<EvalRun> run(String evalId, String runId) {
        return EvalIds.isEval(evalId) && EvalIds.isRun(runId)
                ? store.get(runKey(evalId, runId)).map(b -> json.read(b, EvalRun.class)) : Optional.empty();
    }

    public void save(EvalRun run) {
        synchronized (lock(run.id())) {
            store.put(runKey(run.evalId(), run.id()), json.write(run));
        }
    }

    /** Reads, changes and writes a run as one step in this process; {@code change} returns null to keep it. */
    public Optional<EvalRun> update(String evalId, String runId, UnaryOperator<EvalRun> change) {
        synchronized (lock(runId)) {
            Optional<EvalRun> current = run(evalId, runId);
            if (current.isEmpty()) {
                return current;
            }
            EvalRun changed = change.apply(current.get());
            if (changed == null) {
                return current;
            }
            store.put(runKey(evalId, runId), json.write(changed));
            return Optional.of(changed);
        }
    }

    /** An eval's runs, oldest first. */
    public List<EvalRun> runs(String evalId) {
        return readRuns(ROOT + "runs/" + evalId + "/");
    }

    /** Every run of every eval (to resume the unfinished ones). */
    public List<EvalRun> allRuns() {
        return readRuns(ROOT + "runs/");
    }

    private List<EvalRun> readRuns(String prefix) {
        return store.list(prefix).stream().filter(k -> k.endsWith(".json")).map(store::get)
                .flatMap(Optional::stream).map(b -> json.read(b, EvalRun.class))
                .sorted(Comparator.comparingLong(EvalRun::createdAt).thenComparing(EvalRun::id)).toList();
    }

    public void deleteRun(String evalId, String runId) {
        synchronized (lock(runId)) {
            store.delete(runKey(evalId, runId));
        }
        for (String key : store.list(ROOT + "outputs/" + runId + "/")) {
            store.delete(key);
        }
        store.delete(itemsKey(runId));
        store.delete(executionKey(runId));
    }

    public void saveItems(String runId, List<JsonNode> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JsonNode item : items) {
            out.writeBytes(json.write(item));
            out.write('\n');
        }
        store.put(itemsKey(runId), out.toByteArray());
    }

    /** Where a run's items are, one JSON item a line: what the eval state machine's Map reads. */
    public static String itemsKey(String runId) {
        return ROOT + "items/" + runId + ".jsonl";
    }

    public List<JsonNode> items(String runId) {
        byte[] bytes = store.get(itemsKey(runId)).orElse(new byte[0]);
        List<JsonNode> items = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                items.add(json.read(line.getBytes(StandardCharsets.UTF_8), JsonNode.class));
            }
        }
        return items;
    }

    /** Written under the item's index: an item evaluated twice (after a restart) still has one output. */
    public void saveOutput(String runId, int index, ObjectNode output) {
        store.put(outputKey(runId, index), json.write(output));
    }

    public Optional<JsonNode> output(String runId, int index) {
        return store.get(outputKey(runId, index)).map(b -> json.read(b, JsonNode.class));
    }

    /** Every output item of a run, by index. */
    public List<JsonNode> outputs(String runId) {
        return store.list(ROOT + "outputs/" + runId + "/").stream().filter(k -> k.endsWith(".json"))
                .map(store::get).flatMap(Optional::stream).map(b -> json.read(b, JsonNode.class)).toList();
    }

    /** The Step Functions execution driving a run (on AWS), to stop it on cancel. */
    public void saveExecution(String runId, String executionArn) {
        store.put(executionKey(runId), executionArn.getBytes(StandardCharsets.UTF_8));
    }

    public Optional<String> execution(String runId) {
        return store.get(executionKey(runId)).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    private static String executionKey(String runId) {
        return ROOT + "executions/" + runId;
    }

    private static String runKey(String evalId, String runId) {
        return ROOT + "runs/" + evalId + "/" + runId + ".json";
    }

    private static String outputKey(String runId, int index) {
        return ROOT + "outputs/" + runId + "/" + String.format("%08d", index) + ".json";
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, key -> new Object());
    }
}
