package dev.moa.mix;

import java.util.List;

/** Sampling parameters of one call; {@code null} means "not set, let the provider decide". */
public record Sampling(Double temperature, Integer maxTokens, Double topP, List<String> stop) {

    public static final Sampling NONE = new Sampling(null, null, null, null);

    public Sampling {
        stop = stop == null ? null : List.copyOf(stop);
    }

    /** Values set here win; values left unset are taken from {@code fallback}. */
    public Sampling orElse(Sampling fallback) {
        return new Sampling(
                temperature != null ? temperature : fallback.temperature,
                maxTokens != null ? maxTokens : fallback.maxTokens,
                topP != null ? topP : fallback.topP,
                stop != null ? stop : fallback.stop);
    }
}
