package dev.moa.engine;

import dev.moa.provider.UpstreamFailure;

import java.time.Duration;
import java.util.Optional;

/**
 * One try of one candidate (the agent or a fallback) at one call.
 *
 * @param hedge present when the try was one copy of a hedged call
 */
public record Attempt(String provider, String model, Duration latency, Optional<UpstreamFailure> failure,
                      Optional<HedgeCopy> hedge) {

    public Attempt {
        hedge = hedge == null ? Optional.empty() : hedge;
    }

    public Attempt(String provider, String model, Duration latency, Optional<UpstreamFailure> failure) {
        this(provider, model, latency, failure, Optional.empty());
    }
}
