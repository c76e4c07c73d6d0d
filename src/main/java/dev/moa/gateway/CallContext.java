package dev.moa.gateway;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one request is to be run, beside its {@link MixRequest}: built by the inbound adapter (or batch, or eval),
 * never from JAX-RS types inside the pipeline.
 *
 * @param deadline  {@code moa.deadline}, or a batch line's own
 * @param remaining what the platform leaves the invocation (Lambda's context, the Web Adapter's header), if known;
 *                  the run's budget is the deadline capped by this minus {@code moa.deadline-margin}
 * @param callerKey the client's own key, as presented: a secret of the request like the provider keys, redacted
 *                  from everything an upstream sends back; limits may name the caller by it
 * @param streams   whether the transport passes a streamed answer on as it is written
 */
public record CallContext(Duration deadline, Optional<Duration> remaining, Optional<String> callerKey,
                          boolean streams) {

    public CallContext {
        Objects.requireNonNull(deadline);
        remaining = remaining == null ? Optional.empty() : remaining;
        callerKey = callerKey == null ? Optional.empty() : callerKey.filter(k -> !k.isBlank());
    }

    /**
     * The key in an {@code Authorization} header ({@code Bearer} stripped) or an {@code x-api-key} header; empty when
     * neither has one.
     */
    public static Optional<String> presentedKey(String authorization, String apiKey) {
        if (authorization != null) {
            String value = authorization.strip();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                value = value.substring(7).strip();
            }
            if (!value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return apiKey == null || apiKey.isBlank() ? Optional.empty() : Optional.of(apiKey.strip());
    }
}
