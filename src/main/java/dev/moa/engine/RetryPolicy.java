package dev.moa.engine;

import java.time.Duration;

/**
 * How the engine treats one agent call.
 *
 * @param retries        further attempts after the first, on failures where retrying can help
 * @param initialBackoff first backoff; it doubles per retry, with jitter, up to {@code maxBackoff}
 * @param retryAfterCap  the longest {@code Retry-After} an upstream may impose on us
 * @param attemptTimeout per attempt, unless the provider document sets {@code timeout_ms}
 */
public record RetryPolicy(int retries, Duration initialBackoff, Duration maxBackoff, Duration retryAfterCap,
                          Duration attemptTimeout) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(2, Duration.ofMillis(250), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(30));
}
