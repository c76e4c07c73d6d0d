package dev.moa.mix;

import java.time.Duration;

/**
 * A hedged call ({@code "hedge"} on an agent, or as a layer's or the mix's default): when the call has not
 * answered after {@code after}, another copy is sent, up to {@code max} copies in all beyond the first; the first
 * answer wins and the others are cancelled.
 *
 * @param after when to send a copy: a fixed wait, or a percentile of this instance's recent latencies of the
 *              model
 * @param min   the shortest wait, whatever the percentile says ({@code min_ms}; zero when unset)
 * @param max   extra copies, 1 to 3; copy {@code k} is sent at {@code k} times the wait
 * @param to    where the copies go: the same model, or the agent's first fallback
 */
public record Hedge(After after, Duration min, int max, Target to) {

    public static final int MAX_COPIES = 3;

    public Hedge {
        min = min == null ? Duration.ZERO : min;
    }

    /** When a copy is sent. */
    public sealed interface After {
        /** {@code "after_ms": 1200} */
        record Fixed(Duration duration) implements After {
        }

        /** {@code "after_ms": "p90"}: the model's recent latency at that percentile (50 to 99). */
        record Percentile(int percentile) implements After {
        }
    }

    /** {@code "to"}: {@code "same"} or {@code "fallback"}. */
    public enum Target {
        SAME("same"), FALLBACK("fallback");

        private final String id;

        Target(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }
}
