package dev.moa.eval;

import dev.moa.batch.Ids;

import java.util.OptionalInt;
import java.util.regex.Pattern;

/** Ids in OpenAI's shapes: {@code eval_…}, {@code evalrun_…}, {@code outputitem_…}; random, unguessable. */
final class EvalIds {

    private static final Pattern EVAL = Pattern.compile("eval_[0-9a-f]{24}");
    private static final Pattern RUN = Pattern.compile("evalrun_[0-9a-f]{24}");
    private static final Pattern ITEM = Pattern.compile("outputitem_[0-9a-f]{24}");

    private EvalIds() {
    }

    static String eval() {
        return "eval_" + timeOrdered();
    }

    static String run() {
        return "evalrun_" + timeOrdered();
    }

    /**
     * The creation time in milliseconds (12 hex digits), then 6 random bytes: lists sort by created_at in seconds and
     * then by id, so two runs created in the same second still list in the order they were created.
     */
    private static String timeOrdered() {
        return String.format("%012x", System.currentTimeMillis() & 0xffffffffffffL) + Ids.random(6);
    }

    /** An output item's id follows from its run and index: evaluating an item again gives it the same id. */
    static String outputItem(String runId, int index) {
        return "outputitem_" + digest(runId) + String.format("%08x", index);
    }

    /** The index an output item id names within its run, if it is one of that run's ids. */
    static OptionalInt itemIndex(String runId, String itemId) {
        if (itemId == null || !ITEM.matcher(itemId).matches() || !itemId.startsWith("outputitem_" + digest(runId))) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseUnsignedInt(itemId.substring(itemId.length() - 8), 16));
    }

    static boolean isEval(String id) {
        return id != null && EVAL.matcher(id).matches();
    }

    static boolean isRun(String id) {
        return id != null && RUN.matcher(id).matches();
    }

    private static String digest(String runId) {
        return Ids.digest(runId, 8);
    }
}
