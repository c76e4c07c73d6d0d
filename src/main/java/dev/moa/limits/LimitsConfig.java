package dev.moa.limits;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** Limit settings ({@code moa.limits.*}, or {@code MOA_LIMITS_*}). */
@ConfigMapping(prefix = "moa.limits")
public interface LimitsConfig {

    /** A DynamoDB table holding the keys' counters and spend (on AWS: the stack's table); unset = embedded. */
    Optional<String> table();

    /** The embedded store's directory (when no table is set): a restart keeps the month's spend. */
    @WithDefault(".moa/limits")
    String dir();

    /**
     * How long a reservation lives when its request never settles (the instance died): then any instance releases
     * it. Longer than any request may run (a batch line: 14 minutes).
     */
    @WithName("hold-timeout")
    @WithDefault("20m")
    @WithConverter(DurationConverter.class)
    Duration holdTimeout();

    /** The output a call is assumed to produce at most when nothing sets its max_tokens (for the cost estimate). */
    @WithName("assumed-max-tokens")
    @WithDefault("4096")
    int assumedMaxTokens();
}
