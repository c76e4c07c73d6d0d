package dev.moa.provider;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Token counts as OpenAI reports them; serialized by Jackson inside completions, chunks and traces. Counts are
 * never negative (an upstream's negative count becomes 0) and sums saturate at {@link Long#MAX_VALUE} instead of
 * overflowing.
 */
@RegisterForReflection
public record Usage(
        @JsonProperty("prompt_tokens") long promptTokens,
        @JsonProperty("completion_tokens") long completionTokens,
        @JsonProperty("total_tokens") long totalTokens) {

    public static final Usage ZERO = new Usage(0, 0, 0);

    public Usage {
        promptTokens = Math.max(0, promptTokens);
        completionTokens = Math.max(0, completionTokens);
        totalTokens = Math.max(0, totalTokens);
    }

    /** Counts as an upstream sent them; a missing {@code total} is prompt + completion. */
    public static Usage reported(long prompt, long completion, Long total) {
        long p = Math.max(0, prompt);
        long c = Math.max(0, completion);
        return new Usage(p, c, total != null ? total : saturatedSum(p, c));
    }

    public Usage plus(Usage other) {
        return new Usage(saturatedSum(promptTokens, other.promptTokens),
                saturatedSum(completionTokens, other.completionTokens), saturatedSum(totalTokens, other.totalTokens));
    }

    /** Both are non-negative, so the only overflow is upwards. */
    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
