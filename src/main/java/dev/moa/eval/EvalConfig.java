package dev.moa.eval;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** Eval settings ({@code moa.eval.*}, or {@code MOA_EVAL_*}); runs share the batch store and concurrency. */
@ConfigMapping(prefix = "moa.eval")
public interface EvalConfig {

    /** The most items one run may hold. */
    @WithName("max-items")
    @WithDefault("5000")
    int maxItems();

    /** A run still going this long after it was created ends {@code failed} (the batch's 24 h window). */
    @WithName("run-timeout")
    @WithDefault("24h")
    @WithConverter(DurationConverter.class)
    Duration runTimeout();

    /**
     * A Step Functions state machine ARN (the stack's eval state machine): runs are driven there, one invocation
     * per item, instead of in this process. Needs {@code moa.batch.bucket}: the state machine reads the items there.
     */
    @WithName("state-machine")
    Optional<String> stateMachine();
}
