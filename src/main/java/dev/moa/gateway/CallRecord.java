package dev.moa.gateway;

import dev.moa.engine.LayerTrace;
import dev.moa.model.TokenUsage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one request through a mix came to, once it ended: no prompt, no answer, no key.
 *
 * @param timeToFirstToken until the first answer token was sent; only for streamed requests
 * @param status           the HTTP status the answer has (200; 502 or 504 when the mix failed; 500 otherwise)
 * @param layers           every call the mix made, up to the layer where it ended
 * @param usage            tokens and cost over every call made
 */
public record CallRecord(String mix, Instant at, Duration latency, Optional<Duration> timeToFirstToken, int status,
                         List<LayerTrace> layers, TokenUsage usage) {

    public CallRecord {
        layers = List.copyOf(layers);
    }
}
