package dev.moa.engine;

import dev.moa.provider.UpstreamFailure;

import java.time.Duration;
import java.util.Optional;

/** One try of one candidate (the agent or a fallback) at one call. */
public record Attempt(String provider, String model, Duration latency, Optional<UpstreamFailure> failure) {
}
