package dev.moa.provider;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.moa.mix.Price;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Token counts as OpenAI reports them, and what they cost; serialized by Jackson inside completions, chunks and
 * traces. {@code prompt_tokens} counts every input token, cached ones included (as OpenAI counts them).
 *
 * Counts are never negative (an upstream's negative count becomes 0) and sums saturate at {@link Long#MAX_VALUE}
 * instead of overflowing.
 *
 * @param promptTokensDetails prompt-cache reads ({@code cached_tokens}) and writes; null when there were none
 * @param cost                USD, summed over the calls that have a price; null when none has (or none is known yet)
 * @param unpricedCalls       how many calls had no price: when present, {@code cost} is partial (or absent)
 */
@RegisterForReflection
public record Usage(
        @JsonProperty("prompt_tokens") long promptTokens,
        @JsonProperty("completion_tokens") long completionTokens,
        @JsonProperty("total_tokens") long totalTokens,
        @JsonProperty("prompt_tokens_details") @JsonInclude(JsonInclude.Include.NON_NULL) PromptTokensDetails promptTokensDetails,
        @JsonInclude(JsonInclude.Include.NON_NULL) BigDecimal cost,
        // Not a field of OpenAI's usage: responses carry it as moa.cost_unpriced_calls.
        @JsonIgnore Integer unpricedCalls) {

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

    public Usage(long promptTokens, long completionTokens, long totalTokens) {
        this(promptTokens, completionTokens, totalTokens, null, null, null);
    }

    /** Input tokens served from a prompt cache, and written to one; both are part of {@code prompt_tokens}. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record PromptTokensDetails(@JsonProperty("cached_tokens") long cachedTokens,
                                      @JsonProperty("cache_write_tokens") long cacheWriteTokens) {
        public PromptTokensDetails {
            cachedTokens = Math.max(0, cachedTokens);
            cacheWriteTokens = Math.max(0, cacheWriteTokens);
        }
    }

    /** Counts with cache details; details are dropped when both are zero. */
    public static Usage of(long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
                           long cacheWriteTokens) {
        return new Usage(promptTokens, completionTokens, totalTokens,
                cachedTokens == 0 && cacheWriteTokens == 0 ? null : new PromptTokensDetails(cachedTokens, cacheWriteTokens),
                null, null);
    }

    @JsonIgnore
    public long cachedTokens() {
        return promptTokensDetails == null ? 0 : promptTokensDetails.cachedTokens();
    }

    @JsonIgnore
    public long cacheWriteTokens() {
        return promptTokensDetails == null ? 0 : promptTokensDetails.cacheWriteTokens();
    }

    /**
     * This one call, priced from its counts: uncached input, cache reads, cache writes and output each at their price.
     * Without a price the call's cost is unknown (counted in {@code cost_unpriced_calls}), never zero. Streamed calls
     * price their {@code Finished} usage the same way.
     */
    public Usage pricedBy(Optional<Price> price) {
        return price.map(p -> withCost(p.cost(Math.max(0, promptTokens - cachedTokens() - cacheWriteTokens()),
                cachedTokens(), cacheWriteTokens(), completionTokens))).orElseGet(this::unpriced);
    }

    /** This one call, priced. */
    public Usage withCost(BigDecimal usd) {
        return new Usage(promptTokens, completionTokens, totalTokens, promptTokensDetails, usd, null);
    }

    /** This one call, without a price: its cost is unknown. */
    public Usage unpriced() {
        return new Usage(promptTokens, completionTokens, totalTokens, promptTokensDetails, null, 1);
    }

    public Usage plus(Usage other) {
        PromptTokensDetails details = promptTokensDetails == null ? other.promptTokensDetails
                : other.promptTokensDetails == null ? promptTokensDetails
                : new PromptTokensDetails(saturatedSum(cachedTokens(), other.cachedTokens()),
                        saturatedSum(cacheWriteTokens(), other.cacheWriteTokens()));
        return new Usage(saturatedSum(promptTokens, other.promptTokens),
                saturatedSum(completionTokens, other.completionTokens), saturatedSum(totalTokens, other.totalTokens),
                details,
                cost == null ? other.cost : other.cost == null ? cost : cost.add(other.cost),
                sum(unpricedCalls, other.unpricedCalls));
    }

    /** Both are non-negative, so the only overflow is upwards. */
    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static Integer sum(Integer a, Integer b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Integer.valueOf(a + b);
    }
}
