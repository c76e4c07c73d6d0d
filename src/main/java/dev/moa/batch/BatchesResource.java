package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.model.MoaError;
import dev.moa.store.ClientKeyHash;
import dev.moa.store.ClientKeys;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/** The Batches API. */
@Path("/v1/batches")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class BatchesResource {

    private final Batches batches;
    private final ClientKeys keys;

    public BatchesResource(Batches batches, ClientKeys keys) {
        this.batches = batches;
        this.keys = keys;
    }

    /** The batch records the calling key by name: its lines are charged to that key's limits. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public BatchObject create(JsonNode request, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (request == null || !request.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        return batches.create(request, keys.identify(authorization).map(ClientKeyHash::name));
    }

    @GET
    @Path("/{id}")
    public BatchObject get(@PathParam("id") String id) {
        return batches.get(id);
    }

    @GET
    public BatchObject.Page list(@QueryParam("after") String after, @QueryParam("limit") Integer limit) {
        return batches.list(after, limit);
    }

    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    public BatchObject cancel(@PathParam("id") String id) {
        return batches.cancel(id);
    }
}
