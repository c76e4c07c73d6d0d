package dev.moa.api;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

/** Any other URL: an OpenAI-style 404 error object instead of the framework's own page. */
@Path("/{path: .*}")
public class UnknownRouteResource {

    @GET
    public void get(@PathParam("path") String path) {
        throw unknown("GET", path);
    }

    @POST
    public void post(@PathParam("path") String path) {
        throw unknown("POST", path);
    }

    @PUT
    public void put(@PathParam("path") String path) {
        throw unknown("PUT", path);
    }

    @DELETE
    public void delete(@PathParam("path") String path) {
        throw unknown("DELETE", path);
    }

    @PATCH
    public void patch(@PathParam("path") String path) {
        throw unknown("PATCH", path);
    }

    private static ApiError unknown(String method, String path) {
        return new ApiError(404, "invalid_request_error", null, "unknown_url",
                "Invalid URL (" + method + " /" + dev.moa.LogText.escape(path) + ")");
    }
}
