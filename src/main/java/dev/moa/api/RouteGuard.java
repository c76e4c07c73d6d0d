package dev.moa.api;

import dev.moa.LogText;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Paths no route of ours serves, refused before routing with the same OpenAI error object as any unknown URL:
 * a trailing slash (which the router would otherwise match leniently), control characters
 * (an encoded CR LF must go nowhere: not into a store lookup, not into a log line), and OPTIONS, which we do not
 * serve (the framework would answer it with an empty 200).
 */
public class RouteGuard {

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    public Response check(ContainerRequestContext request) {
        String method = request.getMethod();
        String path = request.getUriInfo().getPath();
        if ("OPTIONS".equals(method)) {
            return error(405, null, "Method not allowed for this URL (" + method + " " + LogText.escape(path) + ").");
        }
        if ((path.length() > 1 && path.endsWith("/")) || hasControl(path)) {
            return error(404, "unknown_url", "Invalid URL (" + method + " " + LogText.escape(path) + ")");
        }
        return null;
    }

    private static boolean hasControl(String path) {
        return !LogText.escape(path).equals(path);
    }

    private static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(new ErrorBody.Detail(message, "invalid_request_error", null, code))).build();
    }
}
