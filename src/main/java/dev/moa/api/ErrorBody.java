package dev.moa.api;

import dev.moa.model.MoaError;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code {"error": {"message", "type", "param", "code"}}}, as OpenAI sends it (absent values as null). */
@RegisterForReflection
public record ErrorBody(Detail error) {

    /** A failure by meaning, in OpenAI's words. */
    public static ErrorBody of(MoaError error) {
        String type = switch (error.kind()) {
            case INVALID_REQUEST, NOT_FOUND, CONFLICT, REQUEST_TOO_LARGE, AUTHENTICATION, PERMISSION ->
                    "invalid_request_error";
            case RATE_LIMITED -> "rate_limit_error";
            case UPSTREAM -> "upstream_error";
            case TIMEOUT -> "timeout_error";
            case SERVER, UNAVAILABLE -> "server_error";
        };
        return new ErrorBody(new Detail(error.getMessage(), type, error.param().orElse(null),
                error.code().orElse(null)));
    }

    @RegisterForReflection
    public record Detail(String message, String type, String param, String code) {
    }
}
