package dev.moa.engine;

import dev.moa.mix.ReferenceBudget;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a layer's reference budget: the per-reference cap first (the hard cap, {@link ReferenceCap}), then the
 * total as the layer's {@code overflow} says. Sizes are estimated as characters / 4, which is close for English prose and cheap; the cost of a wrong
 * estimate is a reference a little longer or shorter than its budget, never a silent loss (every cut is recorded
 * and truncated text carries a visible marker).
 */
final class ReferenceBudgeter {

    private ReferenceBudgeter() {
    }

    static long tokens(String text) {
        return ReferenceCap.estimateTokens(text);
    }

    /** The visible end of a shortened reference; {@code field} is the budget that cut it. */
    static String marker(long of, long kept, String field) {
        return "\n\n[… reference truncated: about " + of + " tokens, cut to " + kept + " (" + field + ")]";
    }

    static PreparedReferences apply(ReferenceBudget budget, List<Reference> references) {
        List<Reference> kept = new ArrayList<>(references);
        long[] original = new long[references.size()];
        for (int i = 0; i < original.length; i++) {
            original[i] = tokens(references.get(i).content());
        }
        long[] size = original.clone();
        Map<Integer, ReferenceCut> cuts = new LinkedHashMap<>();
        for (int i = 0; i < size.length; i++) {
            if (size[i] > budget.maxReferenceTokens()) {
                size[i] = budget.maxReferenceTokens();
            }
        }
        Integer total = budget.maxTotalReferenceTokens();
        boolean sequential = false;
        if (total != null && sum(size, null) > total) {
            switch (budget.overflow()) {
                case SEQUENTIAL -> sequential = true;
                case TRUNCATE -> waterFill(size, total);
                case DROP_LONGEST -> {
                    boolean[] dropped = dropLongest(size, total);
                    for (int i = dropped.length - 1; i >= 0; i--) {
                        if (dropped[i]) {
                            Reference r = kept.remove(i);
                            cuts.put(i, new ReferenceCut(r.number(), r.source(), ReferenceCut.Kind.DROPPED, original[i], 0));
                        }
                    }
                }
            }
        }
        // Shorten what is left to its budgeted size; indices of `size` are the original ones.
        List<Reference> result = new ArrayList<>(kept.size());
        int k = 0;
        for (int i = 0; i < original.length; i++) {
            if (cuts.containsKey(i)) {
                continue;
            }
            Reference r = kept.get(k++);
            if (size[i] < original[i]) {
                String field = size[i] == budget.maxReferenceTokens() ? "max_reference_tokens"
                        : "max_total_reference_tokens";
                r = r.withContent(truncate(r.content(), size[i], original[i], field));
                cuts.put(i, new ReferenceCut(r.number(), r.source(), ReferenceCut.Kind.TRUNCATED, original[i], size[i]));
            }
            result.add(r);
        }
        List<ReferenceCut> recorded = new ArrayList<>();
        for (int i = 0; i < original.length; i++) {
            if (cuts.containsKey(i)) {
                recorded.add(cuts.get(i));
            }
        }
        return new PreparedReferences(result, recorded, sequential);
    }

    static String truncate(String text, long keepTokens, long ofTokens, String field) {
        if (field.equals("max_reference_tokens")) {
            return ReferenceCap.apply(text, null, (int) keepTokens).reference().content(); // the hard cap's own cut
        }
        int chars = (int) Math.min(text.length(), keepTokens * 4);
        if (chars > 0 && Character.isHighSurrogate(text.charAt(chars - 1))) {
            chars--;
        }
        return text.substring(0, chars) + marker(ofTokens, keepTokens, field);
    }

    /** The largest common cap under which the sizes fit the total: short references stay whole. */
    private static void waterFill(long[] size, long total) {
        long low = 1;
        long high = 1;
        for (long s : size) {
            high = Math.max(high, s);
        }
        while (low < high) {
            long mid = (low + high + 1) / 2;
            if (sumCapped(size, mid) <= total) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        for (int i = 0; i < size.length; i++) {
            size[i] = Math.min(size[i], low);
        }
    }

    /** Drops the longest (the later one of equals) until the rest fits; the last one left is shortened instead. */
    private static boolean[] dropLongest(long[] size, long total) {
        boolean[] dropped = new boolean[size.length];
        int left = size.length;
        while (sum(size, dropped) > total && left > 1) {
            int longest = -1;
            for (int i = 0; i < size.length; i++) {
                if (!dropped[i] && (longest < 0 || size[i] >= size[longest])) {
                    longest = i;
                }
            }
            dropped[longest] = true;
            left--;
        }
        for (int i = 0; i < size.length; i++) {
            if (!dropped[i] && size[i] > total) {
                size[i] = total;
            }
        }
        return dropped;
    }

    private static long sum(long[] size, boolean[] skip) {
        long sum = 0;
        for (int i = 0; i < size.length; i++) {
            if (skip == null || !skip[i]) {
                sum += size[i];
            }
        }
        return sum;
    }

    private static long sumCapped(long[] size, long cap) {
        long sum = 0;
        for (long s : size) {
            sum += Math.min(s, cap);
        }
        return sum;
    }
}
