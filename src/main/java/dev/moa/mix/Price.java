package dev.moa.mix;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Optional;

/**
 * What one model costs, in USD per million tokens. Cached input (a prompt-cache read) and cache writes have their
 * own prices where the provider publishes them; without one they are charged at the input price.
 */
public record Price(BigDecimal inputPerMtok, BigDecimal outputPerMtok, Optional<BigDecimal> cachedInputPerMtok,
                    Optional<BigDecimal> cacheWritePerMtok) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** The cost of one call, in USD. */
    public BigDecimal cost(long uncachedInputTokens, long cachedInputTokens, long cacheWriteTokens, long outputTokens) {
        BigDecimal micro = inputPerMtok.multiply(BigDecimal.valueOf(uncachedInputTokens))
                .add(cachedInputPerMtok.orElse(inputPerMtok).multiply(BigDecimal.valueOf(cachedInputTokens)))
                .add(cacheWritePerMtok.orElse(inputPerMtok).multiply(BigDecimal.valueOf(cacheWriteTokens)))
                .add(outputPerMtok.multiply(BigDecimal.valueOf(outputTokens)));
        return micro.divide(MILLION, MathContext.DECIMAL64).stripTrailingZeros();
    }
}
