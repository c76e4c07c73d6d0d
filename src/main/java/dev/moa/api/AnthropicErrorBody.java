package dev.moa.api;

import dev.moa.model.MoaError;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code {"type": "error", "error": {"type", "message"}}}, as Anthropic's Messages API sends it. */
@RegisterForReflection
public record AnthropicErrorBody(String type, Detail error) {

    @RegisterForReflection
    public record Detail(String type, String message) {
    }

    public static AnthropicErrorBody of(String type, String message) {
        return new AnthropicErrorBody("error", new Detail(type, message));
    }

    public static Response response(int status, String type, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(of(type, message)).build();
    }

    /**
     * Anthropic's error type for a failure by meaning, as its errors page lists them: 400 invalid_request_error, 401
     * authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
     * 500 api_error. Anthropic has no type of its own for a failed upstream (502), an unavailable store (503) or a
     * deadline (504): they are api_error, as any unexpected server-side error (its 529 overloaded_error is
     * Anthropic's capacity, not ours).
     */
    public static String typeOf(MoaError.Kind kind) {
        return switch (kind) {
            case INVALID_REQUEST, CONFLICT -> "invalid_request_error";
            case AUTHENTICATION -> "authentication_error";
            case PERMISSION -> "permission_error";
            case NOT_FOUND -> "not_found_error";
            case REQUEST_TOO_LARGE -> "request_too_large";
            case RATE_LIMITED -> "rate_limit_error";
            case SERVER, UPSTREAM, UNAVAILABLE, TIMEOUT -> "api_error";
        };
    }

    /**
     * Anthropic's error type for a status the framework answers without a {@link MoaError} (an unknown URL, a method
     * not allowed): any other 4xx is invalid_request_error, as Anthropic uses it, and any other 5xx api_error.
     */
    public static String typeOf(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
