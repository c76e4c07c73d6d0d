package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** The Evals API subset (OpenAI's shapes): evals, runs, output items. */
@Path("/v1/evals")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class EvalsResource {

    private final Evals evals;

    public EvalsResource(Evals evals) {
        this.evals = evals;
    }

    /** 201, as OpenAI's description says. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Response create(JsonNode request) {
        return Response.status(201).entity(evals.create(request)).build();
    }

    @GET
    public EvalObject.Page<EvalObject> list(@QueryParam("after") String after, @QueryParam("limit") Integer limit,
                                            @QueryParam("order") String order, @QueryParam("order_by") String orderBy) {
        return evals.list(after, limit, order, orderBy);
    }

    @GET
    @Path("/{eval}")
    public EvalObject get(@PathParam("eval") String id) {
        return evals.get(id);
    }

    @POST
    @Path("/{eval}")
    @Consumes(MediaType.WILDCARD)
    public EvalObject update(@PathParam("eval") String id, JsonNode request) {
        return evals.update(id, request);
    }

    @DELETE
    @Path("/{eval}")
    public EvalObject.Deleted delete(@PathParam("eval") String id) {
        return evals.delete(id);
    }

    /** 201, as OpenAI's description says. */
    @POST
    @Path("/{eval}/runs")
    @Consumes(MediaType.WILDCARD)
    public Response createRun(@PathParam("eval") String id, JsonNode request, @Context UriInfo uri) {
        return Response.status(201).entity(linked(evals.createRun(id, request), uri)).build();
    }

    @GET
    @Path("/{eval}/runs")
    public EvalObject.Page<EvalRun> listRuns(@PathParam("eval") String id, @QueryParam("after") String after,
                                             @QueryParam("limit") Integer limit, @QueryParam("order") String order,
                                             @QueryParam("status") String status, @Context UriInfo uri) {
        EvalObject.Page<EvalRun> page = evals.listRuns(id, after, limit, order, status);
        return new EvalObject.Page<>(page.object(), page.data().stream().map(r -> linked(r, uri)).toList(),
                page.firstId(), page.lastId(), page.hasMore());
    }

    @GET
    @Path("/{eval}/runs/{run}")
    public EvalRun getRun(@PathParam("eval") String id, @PathParam("run") String runId, @Context UriInfo uri) {
        return linked(evals.getRun(id, runId), uri);
    }

    @POST
    @Path("/{eval}/runs/{run}")
    @Consumes(MediaType.WILDCARD)
    public EvalRun cancelRun(@PathParam("eval") String id, @PathParam("run") String runId, @Context UriInfo uri) {
        return linked(evals.cancelRun(id, runId), uri);
    }

    @DELETE
    @Path("/{eval}/runs/{run}")
    public EvalRun.Deleted deleteRun(@PathParam("eval") String id, @PathParam("run") String runId) {
        return evals.deleteRun(id, runId);
    }

    @GET
    @Path("/{eval}/runs/{run}/output_items")
    public EvalObject.Page<JsonNode> outputItems(@PathParam("eval") String id, @PathParam("run") String runId,
                                                 @QueryParam("after") String after, @QueryParam("limit") Integer limit,
                                                 @QueryParam("order") String order,
                                                 @QueryParam("status") String status) {
        return evals.outputItems(id, runId, after, limit, order, status);
    }

    @GET
    @Path("/{eval}/runs/{run}/output_items/{item}")
    public JsonNode outputItem(@PathParam("eval") String id, @PathParam("run") String runId,
                               @PathParam("item") String itemId) {
        return evals.outputItem(id, runId, itemId);
    }

    /**
     * The comparison report: JSON when the client asks for {@code application/json} (or {@code ?format=json}), else
     * the self-contained HTML page.
     */
    @GET
    @Path("/{eval}/report")
    @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
    public Response report(@PathParam("eval") String id, @QueryParam("format") String format,
                           @Context HttpHeaders headers) {
        var report = evals.report(id);
        boolean json = "json".equals(format) || headers.getAcceptableMediaTypes().stream()
                .anyMatch(type -> type.isCompatible(MediaType.APPLICATION_JSON_TYPE) && !type.isWildcardType());
        if (json) {
            return Response.ok(report, MediaType.APPLICATION_JSON_TYPE).build();
        }
        return Response.ok(ReportPage.render(report), MediaType.TEXT_HTML_TYPE.withCharset("utf-8"))
                // The page needs nothing from anywhere: say so to the browser as well.
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
                .build();
    }

    /** {@code report_url}: the eval's comparison report, on this server. */
    private static EvalRun linked(EvalRun run, UriInfo uri) {
        return run.withReportUrl(uri.getBaseUriBuilder().path("v1/evals").path(run.evalId()).path("report").build()
                .toString());
    }
}
