package dev.moa.mix;

/**
 * How many tokens of references a layer accepts (estimated as characters / 4).
 *
 * @param maxReferenceTokens      cap per reference; {@code null} = none
 * @param maxTotalReferenceTokens cap over all references of the layer; {@code null} = none
 * @param overflow                what to do when the total does not fit
 */
public record ReferenceBudget(Integer maxReferenceTokens, Integer maxTotalReferenceTokens, Overflow overflow) {

    public static final ReferenceBudget NONE = new ReferenceBudget(null, null, Overflow.TRUNCATE);

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
