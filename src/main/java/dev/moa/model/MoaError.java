package dev.moa.model;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure the client sees, by meaning: each adapter renders it in its protocol's error object and status
 * (OpenAI's {@code {"error": {...}}}, Anthropic's {@code {"type": "error", ...}}).
 *
 * @see Kind#status()
 */
public final class MoaError extends RuntimeException {

    public enum Kind {
        INVALID_REQUEST(400), AUTHENTICATION(401), PERMISSION(403), NOT_FOUND(404), CONFLICT(409),
        REQUEST_TOO_LARGE(413),
        RATE_LIMITED(429), SERVER(500), UPSTREAM(502), UNAVAILABLE(503), TIMEOUT(504);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final Kind kind;
    private final String param;
    private final String code;
    private final Duration retryAfter;

    /**
     * @param param the request field at fault (a path such as {@code messages[0].content}), or null
     * @param code  a stable machine-readable code ({@code model_not_found}), or null
     */
    public MoaError(Kind kind, String param, String code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public MoaError(Kind kind, String param, String code, String message) {
        this(kind, param, code, message, null);
    }

    public static MoaError invalidRequest(String param, String message) {
        return new MoaError(Kind.INVALID_REQUEST, param, null, message);
    }

    public static MoaError unknownModel(String model) {
        return new MoaError(Kind.NOT_FOUND, "model", "model_not_found",
                "The model '" + model + "' does not exist: no mix of that name in this store.");
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return kind.status();
    }

    public Optional<String> param() {
        return Optional.ofNullable(param);
    }

    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
