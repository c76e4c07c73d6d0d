package dev.moa.api.responses;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Where stored responses live ({@code moa.responses.*}, or {@code MOA_RESPONSES_*}). */
@ConfigMapping(prefix = "moa.responses")
public interface ResponsesConfig {

    /** The local directory holding stored responses when no bucket is set (beside the batches, under .moa). */
    @WithDefault(".moa/responses")
    String dir();

    /** An S3 bucket holding them instead, under {@code responses/} (on AWS: the stack's bucket). */
    Optional<String> bucket();
}
