package dev.moa.engine;

/**
 * What a layer's reference budget did to one reference.
 *
 * @param tokens     its estimated size before
 * @param keptTokens what was kept (0 when dropped)
 */
public record ReferenceCut(int number, String source, Kind kind, long tokens, long keptTokens) {

    public enum Kind {
        /** Shortened to fit, with a visible marker. */
        TRUNCATED,
        /** Left out. */
        DROPPED
    }
}
