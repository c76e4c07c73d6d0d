package dev.moa.batch;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** Batch settings ({@code moa.batch.*}, or {@code MOA_BATCH_*}). */
@ConfigMapping(prefix = "moa.batch")
public interface BatchConfig {

    /** The local directory holding files and batch state, when no bucket is set. */
    @WithDefault(".moa/batches")
    String dir();

    /** An S3 bucket holding files and batch state instead of {@link #dir()} (on AWS: the stack's bucket). */
    Optional<String> bucket();

    /** Lines run at once by the embedded runner, per batch: the guard for the providers' rate limits. */
    @WithDefault("4")
    int concurrency();

    /** A Step Functions state machine ARN: batches run there (one invocation per line) instead of in-process. */
    @WithName("state-machine")
    Optional<String> stateMachine();

    /** The longest one line may take (a batch is not bound by API Gateway's 30 s; Lambda's timeout still caps it). */
    @WithDefault("14m")
    @WithConverter(DurationConverter.class)
    Duration deadline();

    /** OpenAI's limits for one batch input file. */
    @WithName("max-lines")
    @WithDefault("50000")
    int maxLines();

    /**
     * {@code GET /v1/files/{id}/content} answers larger files with a redirect to a time-limited link where the store
     * has one (S3): Lambda cannot return more than 6 MB.
     */
    @WithName("inline-content-bytes")
    @WithDefault("5000000")
    long inlineContentBytes();

    @WithName("max-file-bytes")
    @WithDefault("209715200")
    long maxFileBytes();
}
