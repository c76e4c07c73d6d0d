package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The server build behind the Lambda Web Adapter: the adapter forwards the invocation's context as JSON in the
 * {@code x-amzn-lambda-context} header, whose {@code deadline} is the epoch millisecond at which Lambda ends the
 * invocation. Without the header (a plain server, local development) nothing is known. The Lambda build replaces
 * this bean with one that asks Lambda's own context.
 */
@DefaultBean
@ApplicationScoped
public class AdapterInvocationTime implements InvocationTime {

    public static final String HEADER = "x-amzn-lambda-context";

    private final ObjectMapper json;
    private final Clock clock;

    @Inject
    public AdapterInvocationTime(ObjectMapper json) {
        this(json, Clock.systemUTC());
    }

    AdapterInvocationTime(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    @Override
    public Optional<Duration> remaining(HttpHeaders request) {
        return request == null ? Optional.empty() : remaining(request.getHeaderString(HEADER));
    }

    Optional<Duration> remaining(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode context = json.readTree(header);
            JsonNode deadline = context == null ? null : context.has("deadline") ? context.get("deadline")
                    : context.get("deadline_ms");
            if (deadline == null || !(deadline.isNumber() || deadline.isTextual())) {
                return Optional.empty();
            }
            long epochMillis = deadline.asLong(0);
            return epochMillis <= 0 ? Optional.empty()
                    : Optional.of(Duration.ofMillis(epochMillis - clock.millis()));
        } catch (IOException malformed) {
            // A header we cannot read gives no deadline; moa.deadline still bounds the request.
            return Optional.empty();
        }
    }
}
