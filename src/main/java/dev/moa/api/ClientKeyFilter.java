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
 * Every {@code /v1/*} request needs a client key when {@code moa.auth.required}; without one it gets OpenAI's
 * 401 {@code invalid_api_key} error. Runs before routing, so no URL or method under {@code /v1} escapes it.
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
        // Reading the key hashes may call SSM: off the event loop.
        return Uni.createFrom().item(() -> keys.check(authorization))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(ClientKeyFilter::respond);
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
