package dev.moa.engine;

/**
 * The hard per-reference limit of a layer ({@code max_reference_tokens}): an answer longer than it is cut, with
 * a visible marker, before it goes into the next layer's prompt, so one runaway proposer cannot blow up the
 * aggregator's context (or our memory). Tokens are estimated as {@value #CHARS_PER_TOKEN} characters each.
 */
public final class ReferenceCap {

    public static final int CHARS_PER_TOKEN = 4;

    /** @param originalTokens the answer's estimated tokens when it was cut, else 0 */
    public record Capped(Reference reference, long originalTokens) {
        public boolean truncated() {
            return originalTokens > 0;
        }
    }

    private ReferenceCap() {
    }

    public static long estimateTokens(String text) {
        return (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    public static Capped apply(String content, Double weight, int maxTokens) {
        long limitChars = (long) maxTokens * CHARS_PER_TOKEN;
        if (content.length() <= limitChars) {
            return new Capped(new Reference(content, weight), 0);
        }
        int cut = (int) limitChars;
        if (Character.isHighSurrogate(content.charAt(cut - 1))) {
            cut--; // never split a surrogate pair
        }
        long original = estimateTokens(content);
        String marker = "\n\n[… reference truncated: about " + original + " tokens, cut to " + maxTokens
                + " (max_reference_tokens)]";
        return new Capped(new Reference(content.substring(0, cut) + marker, weight), original);
    }
}
