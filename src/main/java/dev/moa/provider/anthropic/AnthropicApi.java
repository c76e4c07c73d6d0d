package dev.moa.provider.anthropic;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Anthropic's Messages endpoint, relative to a provider's base_url (e.g. {@code https://api.anthropic.com/v1}). */
@Path("/messages")
public interface AnthropicApi {

    /** Returns the raw response so error statuses and unusable bodies can be classified, not thrown. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> create(@HeaderParam("x-api-key") String apiKey, @HeaderParam("anthropic-version") String version,
                         @HeaderParam("traceparent") String traceparent, AnthropicRequest request);

    /** The same call with {@code stream: true}: the data of each server-sent event, as it arrives. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    Multi<String> stream(@HeaderParam("x-api-key") String apiKey, @HeaderParam("anthropic-version") String version,
                         @HeaderParam("traceparent") String traceparent, AnthropicRequest request);
}
