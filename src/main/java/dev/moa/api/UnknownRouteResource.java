package dev.moa.api;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/** Any other URL: the unknown-URL error object ({@link UnknownUrl}) instead of the framework's own page. */
@Path("/{path: .*}")
public class UnknownRouteResource {

    @GET
    public Response get(@PathParam("path") String path) {
        return unknown("GET", path);
    }

    @POST
    public Response post(@PathParam("path") String path) {
        return unknown("POST", path);
    }

    @PUT
    public Response put(@PathParam("path") String path) {
        return unknown("PUT", path);
    }

    @DELETE
    public Response delete(@PathParam("path") String path) {
        return unknown("DELETE", path);
    }

    @PATCH
    public Response patch(@PathParam("path") String path) {
        return unknown("PATCH", path);
    }

    private static Response unknown(String method, String path) {
        return UnknownUrl.response(404, method, path);
    }
}
