package dev.moa.provider.openai;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The one endpoint of the OpenAI chat-completions protocol we call, relative to a provider's base_url. */
@Path("/chat/completions")
public interface OpenAiApi {

    /** Returns the raw response so error statuses and unusable bodies can be classified, not thrown. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> create(@HeaderParam("Authorization") String authorization, OpenAiRequest request);
}
