package dev.moa.model;

import java.math.BigDecimal;

/**
 * Tokens summed over every upstream call of a request, and their cost, in neutral terms: each adapter names them
 * its own way ({@code prompt_tokens}, {@code input_tokens}...).
 *
 * @param inputTokens      every input token, cache reads and writes included
 * @param cacheReadTokens  input tokens served from a prompt cache
 * @param cacheWriteTokens input tokens written to a prompt cache
 * @param cost             USD over the calls that had a price; null when none had
 * @param unpricedCalls    calls without a price (0 when every call had one)
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheReadTokens, long cacheWriteTokens,
                         BigDecimal cost, int unpricedCalls) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, null, 0);

    /** Input tokens that neither came from nor went into a cache. */
    public long uncachedInputTokens() {
        return Math.max(0, inputTokens - cacheReadTokens - cacheWriteTokens);
    }

    public long totalTokens() {
        long sum = inputTokens + outputTokens;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
