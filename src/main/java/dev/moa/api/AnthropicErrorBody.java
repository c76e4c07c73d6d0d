package dev.moa.api;

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

    /** Anthropic's error type for an HTTP status. */
    public static String typeOf(int status) {
        return switch (status) {
            case 400, 405, 406, 409, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
