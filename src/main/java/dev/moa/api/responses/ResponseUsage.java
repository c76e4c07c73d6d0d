package dev.moa.api.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.math.BigDecimal;

/**
 * A response's {@code usage}: tokens summed over every upstream call the mix made (proposers, aggregator, retries),
 * in the Responses API's names, with {@code cost} (USD over the calls that have a price) as on chat. How many calls
 * had no price is not a usage field: the response carries it as {@code moa.cost_unpriced_calls}.
 */
@RegisterForReflection
public record ResponseUsage(
        @JsonProperty("input_tokens") long inputTokens,
        @JsonProperty("input_tokens_details") InputDetails inputTokensDetails,
        @JsonProperty("output_tokens") long outputTokens,
        @JsonProperty("output_tokens_details") OutputDetails outputTokensDetails,
        @JsonProperty("total_tokens") long totalTokens,
        @JsonInclude(JsonInclude.Include.NON_NULL) BigDecimal cost) {

    /** Cache reads and writes, both part of {@code input_tokens}. */
    @RegisterForReflection
    public record InputDetails(@JsonProperty("cached_tokens") long cachedTokens,
                               @JsonProperty("cache_write_tokens") long cacheWriteTokens) {
    }

    /** Providers do not report reasoning tokens apart through the pipeline: always 0. */
    @RegisterForReflection
    public record OutputDetails(@JsonProperty("reasoning_tokens") long reasoningTokens) {
    }

    static ResponseUsage of(Usage usage) {
        return new ResponseUsage(usage.promptTokens(),
                new InputDetails(usage.cachedTokens(), usage.cacheWriteTokens()), usage.completionTokens(),
                new OutputDetails(0), usage.totalTokens(), usage.cost());
    }
}
