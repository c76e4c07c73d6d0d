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
 * @param status           the HTTP status the answer has (200; 502 or 504 when the mix failed; 500 otherwise;
 *                         {@link #CLIENT_CLOSED} when the client went away)
 * @param layers           every call the mix made, up to the layer where it ended
 * @param usage            tokens and cost over every call made
 */
public record CallRecord(String mix, Instant at, Duration latency, Optional<Duration> timeToFirstToken, int status,
                         List<LayerTrace> layers, TokenUsage usage) {

    /** The status of a request whose client went away before its end (nginx's 499). */
    public static final int CLIENT_CLOSED = 499;

    /** The status told to guards that admitted a request another guard then refused: nothing ran. */
    public static final int NOT_RUN = 0;

    public CallRecord {
        layers = List.copyOf(layers);
    }
}
