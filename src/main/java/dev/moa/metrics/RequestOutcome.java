package dev.moa.metrics;

import dev.moa.engine.LayerTrace;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one request through a mix came to, as the metrics see it: no prompt, no answer, no key.
 *
 * @param timeToFirstToken until the first answer token was sent; only for streamed requests
 * @param status           the HTTP status the client got
 * @param layers           every call the mix made, up to the layer where it ended
 */
public record RequestOutcome(String mix, Instant at, Duration latency, Optional<Duration> timeToFirstToken,
                             int status, List<LayerTrace> layers) {

    public RequestOutcome {
        layers = List.copyOf(layers);
    }
}
