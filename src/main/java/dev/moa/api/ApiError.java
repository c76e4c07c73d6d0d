package dev.moa.api;

import dev.moa.model.MoaError;

/** An error a client sees as an OpenAI error object with the given HTTP status. */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A failure by meaning, in OpenAI's words (its Retry-After is the mapper's to add). */
    public static ApiError of(MoaError error) {
        String type = switch (error.kind()) {
            case INVALID_REQUEST, NOT_FOUND, REQUEST_TOO_LARGE, AUTHENTICATION, PERMISSION -> "invalid_request_error";
            case RATE_LIMITED -> "rate_limit_error";
            case UPSTREAM -> "upstream_error";
            case TIMEOUT -> "timeout_error";
            case SERVER, UNAVAILABLE -> "server_error";
        };
        return new ApiError(error.status(), type, error.param().orElse(null), error.code().orElse(null),
                error.getMessage());
    }

    public static ApiError invalidRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message);
    }

    public int status() {
        return status;
    }

    public ErrorBody body() {
        return new ErrorBody(new ErrorBody.Detail(getMessage(), type, param, code));
    }
}
