package dev.moa.api;

import dev.moa.LogText;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Paths no route of ours serves, refused before routing as any unknown URL ({@link UnknownUrl}): a trailing slash
 * (which the router would otherwise match leniently), control characters (an encoded CR LF must go nowhere: not into
 * a store lookup, not into a log line), and OPTIONS, which we do not serve anywhere (the framework would answer it
 * with an empty 200), as a 405.
 */
public class RouteGuard {

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    public Response check(ContainerRequestContext request) {
        String method = request.getMethod();
        String path = request.getUriInfo().getPath();
        if ("OPTIONS".equals(method)) {
            return UnknownUrl.response(405, method, path);
        }
        if ((path.length() > 1 && path.endsWith("/")) || hasControl(path)) {
            return UnknownUrl.response(404, method, path);
        }
        return null;
    }

    private static boolean hasControl(String path) {
        return !LogText.escape(path).equals(path);
    }
}
