package dev.moa.mix;

/**
 * How a layer presents the previous layer's answers to its agents.
 *
 * @param prompt    instructions placed before the numbered references; {@code null} = the built-in text
 * @param placement which message carries them
 * @param shuffle   present the references in a random order on every call (counters position bias)
 * @param dropout   probability of leaving each reference out (at least one always stays)
 */
public record References(String prompt, Placement placement, boolean shuffle, double dropout) {

    public static final References DEFAULT = new References(null, Placement.SYSTEM, false, 0.0);

    public enum Placement {
        SYSTEM, USER
    }
}
