package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The steps of a run as the eval state machine drives it on AWS ({@link EvalStateMachineResource}): open
 * ({@code queued} → {@code in_progress}), evaluate one item (its output item stored under its index, then counted),
 * finish (the figures added up again from the stored outputs, then {@code completed}, or {@code failed} past
 * {@code moa.eval.run-timeout}). Each step may be repeated without changing its result: an item with a stored
 * output is never evaluated again, and finishing counts every stored output once.
 *
 * <p>Item steps run in many function instances at once, so the running counts they write are read-modify-write
 * without a lock across instances: they grow while the run goes, may lag by the items that landed at the same
 * moment, and are made exact by the finish step (and by a cancel, once its items in flight have landed).
 */
public final class EvalSteps {

    /** What an item step did: evaluated (now stored), found already stored, or skipped (run not running). */
    public enum ItemResult { EVALUATED, STORED_BEFORE, SKIPPED }

    private final EvalRecords records;
    private final ItemEvaluator evaluator;
    private final Duration timeout;
    private final Clock clock;

    public EvalSteps(EvalRecords records, ItemEvaluator evaluator, Duration timeout, Clock clock) {
        this.records = records;
        this.evaluator = evaluator;
        this.timeout = timeout;
        this.clock = clock;
    }

    static EvalRun.RunError expired(Duration timeout) {
        return new EvalRun.RunError("run_expired", "The run did not finish within " + timeout
                + " (moa.eval.run-timeout); the items evaluated so far are kept.");
    }

    /** Moves a queued run to {@code in_progress}; any other run is returned as it is (empty: it was deleted). */
    public Optional<EvalRun> open(String evalId, String runId) {
        return records.update(evalId, runId, r -> EvalRun.QUEUED.equals(r.status())
                ? r.withStatus(EvalRun.IN_PROGRESS, null) : null);
    }

    /**
     * Evaluates one item of a running run unless its output is already stored (a retried or redriven step), stores
     * it, and counts it in the run. A run that is no longer running (canceled, deleted, failed) or is past its time
     * starts no item.
     */
    public ItemResult item(String evalId, String runId, int index, JsonNode item) {
        if (records.output(runId, index).isPresent()) {
            return ItemResult.STORED_BEFORE;
        }
        Optional<EvalRun> found = records.run(evalId, runId);
        Optional<EvalObject> eval = records.eval(evalId);
        if (found.isEmpty() || eval.isEmpty() || !EvalRun.IN_PROGRESS.equals(found.get().status())
                || pastDeadline(found.get())) {
            return ItemResult.SKIPPED;
        }
        ItemEvaluator.RunContext context = ItemEvaluator.RunContext.of(eval.get(), found.get());
        ObjectNode output = evaluator.evaluate(context, index, item).await().indefinitely();
        // Deleted meanwhile: nothing is stored for a run that is gone.
        if (records.run(evalId, runId).isEmpty()) {
            return ItemResult.SKIPPED;
        }
        records.saveOutput(runId, index, output);
        EvalRun counted = records.update(evalId, runId, r -> {
            RunTally tally = RunTally.of(r, context.graders());
            tally.add(output);
            return r.withResults(tally.counts(r.resultCounts().total()), tally.usage(), tally.criteria());
        }).orElse(null);
        if (counted != null && EvalRun.CANCELED.equals(counted.status())) {
            // In flight when the run was canceled: its execution is gone, no finish step will count again.
            recount(evalId, runId);
        }
        return ItemResult.EVALUATED;
    }

    /**
     * Ends a run: every stored output counted once; items with no output (their steps failed after the retries)
     * get an {@code error} output item, unless the run ran out of time, which fails it. A run that is no longer
     * running is left as it is, only recounted.
     */
    public Optional<EvalRun> finish(String evalId, String runId) {
        Optional<EvalRun> found = records.run(evalId, runId);
        Optional<EvalObject> eval = records.eval(evalId);
        if (found.isEmpty() || eval.isEmpty()) {
            return found;
        }
        if (!EvalRun.IN_PROGRESS.equals(found.get().status())) {
            return recount(evalId, runId);
        }
        boolean expired = pastDeadline(found.get());
        ItemEvaluator.RunContext context = ItemEvaluator.RunContext.of(eval.get(), found.get());
        if (!expired) {
            Set<Integer> done = new HashSet<>();
            for (JsonNode output : records.outputs(runId)) {
                done.add(output.path("datasource_item_id").asInt());
            }
            List<JsonNode> items = records.items(runId);
            for (int index = 0; index < items.size(); index++) {
                if (!done.contains(index)) {
                    records.saveOutput(runId, index, evaluator.notEvaluated(context, index, items.get(index),
                            "item_not_run", "This item was not evaluated: its step failed after its retries."));
                }
            }
        }
        recount(evalId, runId);
        return records.update(evalId, runId, r -> !EvalRun.IN_PROGRESS.equals(r.status()) ? null
                : expired ? r.withStatus(EvalRun.FAILED, expired(timeout)) : r.withStatus(EvalRun.COMPLETED, null));
    }

    /** The run's figures added up again from its stored outputs (exact, whatever the item steps wrote). */
    public Optional<EvalRun> recount(String evalId, String runId) {
        Optional<EvalRun> found = records.run(evalId, runId);
        Optional<EvalObject> eval = records.eval(evalId);
        if (found.isEmpty() || eval.isEmpty()) {
            return found;
        }
        RunTally tally = new RunTally(EvalDefinitions.graders(eval.get().testingCriteria()));
        records.outputs(runId).forEach(tally::add);
        return records.update(evalId, runId, r -> r.withResults(tally.counts(r.resultCounts().total()),
                tally.usage(), tally.criteria()));
    }

    private boolean pastDeadline(EvalRun run) {
        return clock.instant().getEpochSecond() > run.createdAt() + timeout.toSeconds();
    }
}
