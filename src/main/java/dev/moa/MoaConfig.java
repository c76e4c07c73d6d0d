package dev.moa;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.Optional;

/** The function's settings ({@code moa.*}, or the matching {@code MOA_*} environment variables). */
@ConfigMapping(prefix = "moa")
public interface MoaConfig {

    /** {@code file:<dir>} or {@code ssm:<prefix>}: where mix and provider documents live. */
    @WithDefault("file:infra")
    String store();

    /** The longest a request may take; API Gateway cuts every request at 30 s. */
    @WithDefault("28s")
    @WithConverter(DurationConverter.class)
    Duration deadline();

    /** Kept free before Lambda's own end of the invocation, to write the answer. */
    @WithName("deadline-margin")
    @WithDefault("1s")
    @WithConverter(DurationConverter.class)
    Duration deadlineMargin();
    /** While a streamed answer has nothing to send, an SSE comment goes out this often (env MOA_STREAM_KEEP_ALIVE). */
    @WithName("stream.keep-alive")
    @WithDefault("5s")
    @WithConverter(DurationConverter.class)
    Duration streamKeepAlive();

    /** How long a warm instance keeps documents, decrypted keys and client-key hashes read from SSM. */
    @WithName("store.ttl")
    @WithDefault("60s")
    @WithConverter(DurationConverter.class)
    Duration storeTtl();

    /**
     * Whether {@code GET /playground} is served (env MOA_PLAYGROUND); unset means on in the server build and dev mode,
     * off on the Lambda build.
     */
    Optional<Boolean> playground();

    Auth auth();

    Metrics metrics();

    interface Metrics {

        /** CloudWatch EMF records on standard output; unset means on when running on Lambda, off in dev mode and tests. */
        Optional<Boolean> emf();
    }

    interface Auth {

        /** Whether {@code /v1/*} needs a client key; unset means yes for {@code ssm:} stores, no for {@code file:}. */
        Optional<Boolean> required();
    }
}
