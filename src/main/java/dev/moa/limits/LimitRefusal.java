package dev.moa.limits;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A request the key's limits refuse, before any upstream call. Each adapter renders it in its protocol's error
 * shape, with {@code Retry-After} when a wait helps and the key's limit headers.
 */
public final class LimitRefusal extends RuntimeException {

    /** What refused, with the status, error type and code OpenAI's API uses for it. */
    public enum Kind {
        /** A mix outside the key's {@code mixes}: answered as if it did not exist. */
        MIX_NOT_ALLOWED(404, "invalid_request_error", "model_not_found"),
        REQUESTS_PER_MINUTE(429, "requests", "rate_limit_exceeded"),
        TOKENS_PER_MINUTE(429, "tokens", "rate_limit_exceeded"),
        MAX_COST(400, "invalid_request_error", "max_cost_exceeded"),
        UNPRICED_AGENT(400, "invalid_request_error", "unpriced_agent"),
        BUDGET(429, "insufficient_quota", "insufficient_quota"),
        UNAVAILABLE(503, "server_error", "limits_unavailable"),
        INVALID_KEY_DOCUMENT(500, "server_error", "invalid_key_document");

        private final int status;
        private final String type;
        private final String code;

        Kind(int status, String type, String code) {
            this.status = status;
            this.type = type;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String type() {
            return type;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;
    private final Optional<Duration> retryAfter;
    private final Map<String, String> headers;

    public LimitRefusal(Kind kind, String message, Optional<Duration> retryAfter, Map<String, String> headers) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.headers = Map.copyOf(headers);
    }

    public LimitRefusal(Kind kind, String message) {
        this(kind, message, Optional.empty(), Map.of());
    }

    public Kind kind() {
        return kind;
    }

    /** How long until the refusing window resets, when waiting helps. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** The key's {@code x-ratelimit-*} and budget headers as they stood when it was refused. */
    public Map<String, String> headers() {
        return headers;
    }
}
