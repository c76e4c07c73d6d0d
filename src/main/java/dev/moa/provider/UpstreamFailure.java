package dev.moa.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * A call to a provider that produced no usable answer. Its message is safe to show to clients: it never
 * contains a key (the client redacts the key from anything the upstream echoes back).
 */
public final class UpstreamFailure extends RuntimeException {

    public enum Kind {
        /** The upstream answered with an HTTP error status. */
        STATUS,
        /** No answer within the per-attempt timeout. */
        TIMEOUT,
        /** Could not connect, or the connection dropped. */
        CONNECTION,
        /** A 2xx answer we could not use: not JSON, wrong shape, no choices, no content. */
        BAD_RESPONSE,
        /** We could not even call: the provider's key is not set. */
        NOT_CONFIGURED,
        /** The request's time budget was spent before this attempt could start. */
        DEADLINE,
        /** The body grew past the provider's {@code max_response_bytes}; the connection was closed. */
        RESPONSE_TOO_LARGE
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public UpstreamFailure(Kind kind, int status, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public static UpstreamFailure status(int status, String message, Duration retryAfter) {
        return new UpstreamFailure(Kind.STATUS, status, "HTTP " + status + (message.isEmpty() ? "" : ": " + message),
                retryAfter);
    }

    public static UpstreamFailure timeout(Duration after) {
        return new UpstreamFailure(Kind.TIMEOUT, 0, "no answer within " + after.toMillis() + " ms", null);
    }

    public static UpstreamFailure connection(String message) {
        return new UpstreamFailure(Kind.CONNECTION, 0, "connection failed: " + message, null);
    }

    public static UpstreamFailure badResponse(String message) {
        return new UpstreamFailure(Kind.BAD_RESPONSE, 0, "unusable response: " + message, null);
    }

    /** The most of an upstream's own error text a failure message keeps. */
    public static final int MAX_UPSTREAM_TEXT = 300;

    /**
     * An upstream's error text as a failure message shows it: whitespace runs collapsed, at most
     * {@link #MAX_UPSTREAM_TEXT} characters. Redact before shortening: a key cut by the cut is no longer recognised.
     */
    public static String shortened(String upstreamText) {
        String message = upstreamText.strip().replaceAll("\\s+", " ");
        return message.length() > MAX_UPSTREAM_TEXT ? message.substring(0, MAX_UPSTREAM_TEXT) + "…" : message;
    }

    public static UpstreamFailure deadline() {
        return new UpstreamFailure(Kind.DEADLINE, 0, "no time left in the layer's budget", null);
    }

    public static UpstreamFailure responseTooLarge(long limit) {
        return new UpstreamFailure(Kind.RESPONSE_TOO_LARGE, 0, "response_too_large: the body exceeded max_response_bytes ("
                + limit + " bytes); the connection was closed", null);
    }

    /** The same failure with another message (a redacted one). */
    public UpstreamFailure withMessage(String message) {
        return new UpstreamFailure(kind, status, message, retryAfter);
    }

    public static UpstreamFailure notConfigured(String message) {
        return new UpstreamFailure(Kind.NOT_CONFIGURED, 0, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream's HTTP status, or 0 when there was none. */
    public int status() {
        return status;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether another attempt may succeed: rate limits, server errors, timeouts and broken connections. */
    public boolean retryable() {
        return switch (kind) {
            case STATUS -> status == 408 || status == 429 || status >= 500;
            case TIMEOUT, CONNECTION -> true;
            case BAD_RESPONSE, NOT_CONFIGURED, DEADLINE, RESPONSE_TOO_LARGE -> false;
        };
    }
}
