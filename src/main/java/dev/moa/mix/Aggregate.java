package dev.moa.mix;

/** How a layer's agents combine the references they receive (the layer field {@code aggregate}). */
public sealed interface Aggregate {

    Aggregate SYNTHESIZE = new Synthesize();

    /** {@code "synthesize"}: each agent writes one new answer from all references at once (the MoA default). */
    record Synthesize() implements Aggregate {
        @Override
        public String toString() {
            return "synthesize";
        }
    }

    /** {@code "rank"}: each agent names the best reference by its number; that reference is the output, verbatim. */
    record Rank() implements Aggregate {
        @Override
        public String toString() {
            return "rank";
        }
    }

    /**
     * {@code {"mode": "sequential", "window": k}}: references are synthesized k at a time, each step given the
     * previous step's synthesis plus the next k references (Self-MoA-Seq).
     */
    record Sequential(int window) implements Aggregate {
        public Sequential {
            if (window < 1) {
                throw new IllegalArgumentException("window must be at least 1");
            }
        }

        @Override
        public String toString() {
            return "sequential (window " + window + ")";
        }
    }
}
