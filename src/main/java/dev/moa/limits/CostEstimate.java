package dev.moa.limits;

import java.math.BigDecimal;

/**
 * A request's worst-case cost before it runs: every planned call at its {@code max_tokens} of output and its input
 * counted generously (see {@link CostEstimator}).
 *
 * @param usd       the estimate in USD
 * @param calls     the calls it counts
 * @param unpriced  the first agent ({@code provider/model}) without a price, or null when every call is priced;
 *                  then {@code usd} leaves that agent out
 * @param lastLayerUsd the part of {@code usd} that is the last layer's (the aggregator's) calls
 */
public record CostEstimate(BigDecimal usd, int calls, String unpriced, BigDecimal lastLayerUsd) {
}
