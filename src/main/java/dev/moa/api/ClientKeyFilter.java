package dev.moa.api;

import dev.moa.store.ClientKeys;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /v1/*} request needs a client key when {@code moa.auth.required}, as {@code Authorization: Bearer}
 * (OpenAI's SDKs) or {@code x-api-key} (Anthropic's); without one it gets a 401 in the protocol of its path:
 * Anthropic's {@code authentication_error} under {@code /v1/messages}, OpenAI's {@code invalid_api_key} elsewhere.
 * Runs before routing, so no URL or method under {@code /v1} escapes it.
 */
public class ClientKeyFilter {

    private final ClientKeys keys;

    public ClientKeyFilter(ClientKeys keys) {
        this.keys = keys;
    }

    @ServerRequestFilter(preMatching = true)
    public Uni<Response> check(ContainerRequestContext request) {
        if (!keys.required() || !protectedPath(request.getUriInfo().getPath())) {
            return Uni.createFrom().nullItem();
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String apiKey = request.getHeaderString(API_KEY);
        if ((authorization == null || authorization.isBlank()) && apiKey != null && !apiKey.isBlank()) {
            authorization = "Bearer " + apiKey.strip();
        }
        String presented = authorization;
        boolean anthropic = MessagesPaths.matches(request.getUriInfo().getPath());
        // Reading the key hashes may call SSM: off the event loop.
        return Uni.createFrom().item(() -> keys.check(presented))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(verdict -> anthropic ? respondAnthropic(verdict) : respond(verdict));
    }

    /** Anthropic's SDKs send the key so. */
    public static final String API_KEY = "x-api-key";

    private static Response respondAnthropic(ClientKeys.Verdict verdict) {
        return switch (verdict) {
            case ACCEPTED -> null;
            case MISSING -> AnthropicErrorBody.response(401, "authentication_error",
                    "You didn't provide an API key: send it in an x-api-key header (or Authorization: Bearer).");
            case INVALID -> AnthropicErrorBody.response(401, "authentication_error", "invalid x-api-key");
        };
    }

    private static boolean protectedPath(String path) {
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    private static Response respond(ClientKeys.Verdict verdict) {
        return switch (verdict) {
            case ACCEPTED -> null;
            case MISSING -> unauthorized("You didn't provide an API key. You need to provide your API key in an "
                    + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
            case INVALID -> unauthorized("Incorrect API key provided.");
        };
    }

    private static Response unauthorized(String message) {
        return Response.status(401).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(new ErrorBody.Detail(message, "invalid_request_error", null, "invalid_api_key")))
                .build();
    }
}
