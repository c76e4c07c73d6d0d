package dev.moa;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;

/** The function's settings ({@code moa.*}, or the matching {@code MOA_*} environment variables). */
@ConfigMapping(prefix = "moa")
public interface MoaConfig {

    /** {@code file:<dir>}: where mix and provider documents live. */
    @WithDefault("file:infra")
    String store();

    /** The longest a request may take; API Gateway cuts every request at 30 s. */
    @WithDefault("28s")
    Duration deadline();

    /** Kept free before Lambda's own end of the invocation, to write the answer. */
    @WithName("deadline-margin")
    @WithDefault("1s")
    Duration deadlineMargin();
}
