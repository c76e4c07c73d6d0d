package dev.moa.mix;

/**
 * How many tokens of references a layer accepts (estimated as characters / 4).
 *
 * @param maxReferenceTokens      cap per reference ({@code max_reference_tokens}, default
 *                                {@value #DEFAULT_MAX_REFERENCE_TOKENS}: a hard cap, so one runaway proposer cannot
 *                                blow up the next prompt)
 * @param maxTotalReferenceTokens cap over all references of the layer; {@code null} = none
 * @param overflow                what to do when the total does not fit
 */
public record ReferenceBudget(int maxReferenceTokens, Integer maxTotalReferenceTokens, Overflow overflow) {

    /** {@code max_reference_tokens} when the layer sets none (~32 KB of text per reference). */
    public static final int DEFAULT_MAX_REFERENCE_TOKENS = 8192;

    /** What a layer that sets no budget gets: the default per-reference cap, no total. */
    public static final ReferenceBudget DEFAULT = new ReferenceBudget(DEFAULT_MAX_REFERENCE_TOKENS, null,
            Overflow.TRUNCATE);

    public enum Overflow {
        /** Shorten the longest references until the total fits, each with a visible marker. */
        TRUNCATE("truncate"),
        /** Leave out the longest references until the total fits (at least one stays). */
        DROP_LONGEST("drop_longest"),
        /** Aggregate sequentially, in windows that fit. */
        SEQUENTIAL("sequential");

        private final String id;

        Overflow(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }
}
