package dev.moa.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code text_similarity} metrics, each a score in [0, 1] (1 = the same text). Word metrics compare lower-cased
 * words (runs of letters and digits):
 * <ul>
 *   <li>{@code fuzzy_match}: 2·LCS / (|a| + |b|) over characters, the normalized Indel similarity (rapidfuzz's
 *       {@code fuzz.ratio} / 100);</li>
 *   <li>{@code bleu}: sentence BLEU up to 4-grams (fewer when either text is shorter), clipped counts, add-one
 *       smoothing from bigrams on (Lin and Och), brevity penalty;</li>
 *   <li>{@code rouge_1} … {@code rouge_5}: F1 of the clipped n-gram overlap; {@code rouge_l}: F1 of the longest
 *       common word subsequence.</li>
 * </ul>
 */
public final class Similarity {

    public static final Set<String> METRICS = Set.of("fuzzy_match", "bleu", "rouge_1", "rouge_2", "rouge_3",
            "rouge_4", "rouge_5", "rouge_l");

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private Similarity() {
    }

    public static double score(String metric, String candidate, String reference) {
        return switch (metric) {
            case "fuzzy_match" -> fuzzyMatch(candidate, reference);
            case "bleu" -> bleu(words(candidate), words(reference));
            case "rouge_l" -> rougeL(words(candidate), words(reference));
            default -> rougeN(words(candidate), words(reference), metric.charAt(metric.length() - 1) - '0');
        };
    }

    static double fuzzyMatch(String a, String b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1.0;
        }
        int[] left = a.codePoints().toArray();
        int[] right = b.codePoints().toArray();
        return 2.0 * lcs(left, right) / (left.length + right.length);
    }

    static double bleu(List<String> candidate, List<String> reference) {
        if (candidate.isEmpty() || reference.isEmpty()) {
            return candidate.isEmpty() && reference.isEmpty() ? 1.0 : 0.0;
        }
        int order = Math.min(4, Math.min(candidate.size(), reference.size()));
        double logSum = 0;
        for (int n = 1; n <= order; n++) {
            Map<List<String>, Integer> ref = ngrams(reference, n);
            Map<List<String>, Integer> cand = ngrams(candidate, n);
            int matched = 0;
            int total = 0;
            for (Map.Entry<List<String>, Integer> e : cand.entrySet()) {
                matched += Math.min(e.getValue(), ref.getOrDefault(e.getKey(), 0));
                total += e.getValue();
            }
            double precision = n == 1 ? (double) matched / total : (matched + 1.0) / (total + 1.0);
            if (precision == 0) {
                return 0.0;
            }
            logSum += Math.log(precision) / order;
        }
        double brevity = candidate.size() >= reference.size() ? 1.0
                : Math.exp(1.0 - (double) reference.size() / candidate.size());
        return brevity * Math.exp(logSum);
    }

    static double rougeN(List<String> candidate, List<String> reference, int n) {
        Map<List<String>, Integer> ref = ngrams(reference, n);
        Map<List<String>, Integer> cand = ngrams(candidate, n);
        int refTotal = ref.values().stream().mapToInt(Integer::intValue).sum();
        int candTotal = cand.values().stream().mapToInt(Integer::intValue).sum();
        if (refTotal == 0 || candTotal == 0) {
            return refTotal == 0 && candTotal == 0 ? 1.0 : 0.0;
        }
        int overlap = 0;
        for (Map.Entry<List<String>, Integer> e : cand.entrySet()) {
            overlap += Math.min(e.getValue(), ref.getOrDefault(e.getKey(), 0));
        }
        return f1((double) overlap / candTotal, (double) overlap / refTotal);
    }

    static double rougeL(List<String> candidate, List<String> reference) {
        if (candidate.isEmpty() || reference.isEmpty()) {
            return candidate.isEmpty() && reference.isEmpty() ? 1.0 : 0.0;
        }
        Map<String, Integer> ids = new HashMap<>();
        int[] c = candidate.stream().mapToInt(w -> ids.computeIfAbsent(w, k -> ids.size())).toArray();
        int[] r = reference.stream().mapToInt(w -> ids.computeIfAbsent(w, k -> ids.size())).toArray();
        int common = lcs(c, r);
        return f1((double) common / c.length, (double) common / r.length);
    }

    private static double f1(double precision, double recall) {
        return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
    }

    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static Map<List<String>, Integer> ngrams(List<String> words, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= words.size(); i++) {
            counts.merge(List.copyOf(words.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    /** Length of the longest common subsequence, in two rows of memory. */
    private static int lcs(int[] a, int[] b) {
        int[] previous = new int[b.length + 1];
        int[] current = new int[b.length + 1];
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length];
    }
}
