package dev.moa;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The function's settings ({@code moa.*}, or the matching {@code MOA_*} environment variables). */
@ConfigMapping(prefix = "moa")
public interface MoaConfig {

    /** {@code file:<dir>}: where mix and provider documents live. */
    @WithDefault("file:infra")
    String store();
}
