package dev.moa.api;

import dev.moa.LogText;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The answer to a method and path no route of ours serves, wherever it is found (before routing, by the catch-all
 * route, or as the framework's own 404/405): {@code Invalid URL (METHOD /path)} with code {@code unknown_url}, in
 * Anthropic's shape under {@code /v1/messages}. The status says which: 404 when no route has the path, 405 when it
 * serves other methods.
 */
public final class UnknownUrl {

    private UnknownUrl() {
    }

    public static Response response(int status, String method, String path) {
        String slashed = path.startsWith("/") ? path : "/" + path;
        String message = "Invalid URL (" + method + " " + LogText.escape(slashed) + ")";
        if (MessagesPaths.matches(slashed)) {
            return AnthropicErrorBody.response(status, AnthropicErrorBody.typeOf(status), message);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(new ErrorBody.Detail(message, "invalid_request_error", null, "unknown_url")))
                .build();
    }
}
