package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.ErrorMapper;
import dev.moa.api.InboundCalls;
import dev.moa.api.MixPlanView;
import dev.moa.api.ResponseSize;
import dev.moa.api.StreamErrors;
import dev.moa.api.Trace;
import dev.moa.engine.StreamedMix;
import dev.moa.gateway.CallContext;
import dev.moa.gateway.MixGateway;
import dev.moa.gateway.MixRequest;
import dev.moa.model.MoaError;
import dev.moa.store.ResponseStore;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The OpenAI Responses API, answered by a mix: {@code POST /v1/responses}, and the stored responses
 * ({@code GET}/{@code DELETE /v1/responses/{id}}, {@code GET /v1/responses/{id}/input_items}). Failures leave as
 * OpenAI error objects.
 */
@Path("/v1/responses")
public class ResponsesResource {

    private final MixGateway gateway;
    private final ObjectMapper json;
    private final InboundCalls calls;
    private final StoredResponses stored;

    public ResponsesResource(MixGateway gateway, ObjectMapper json, InboundCalls calls, ResponseStore store) {
        this.gateway = gateway;
        this.json = json;
        this.calls = calls;
        this.stored = new StoredResponses(store, json);
    }

    /**
     * A mix's answer as a {@code response} (or its events, with {@code stream: true}), kept when {@code store} is
     * true. Everything that can refuse the request — the body, {@code previous_response_id}, a function result
     * without its call, the mix's name — is checked before any model is called. Blocking: resolving the mix and
     * reading a previous response read the stores; the model calls themselves are not.
     */
    @POST
    @Blocking
    public Uni<Response> create(byte[] body, @Context HttpHeaders headers) {
        InboundCalls.InboundCall call = calls.open(body, headers);
        ResponsesRequest request = ResponsesRequestCodec.parse(call.body());
        List<Item> earlier = request.previousResponseId() == null ? List.of()
                : stored.conversation(request.previousResponseId());
        MixRequest mix = new MixRequest(request.model(), ResponsesRequestCodec.conversation(request.instructions(),
                earlier, request.input()), request.sampling(), request.options(), request.trace(), request.dryRun());
        CallContext context = call.context();
        String id = ResponseIds.next("resp");
        long createdAt = Instant.now().getEpochSecond();
        if (request.dryRun()) {
            // Nothing is called and nothing is kept: the plan rides on an empty response, as on chat.
            ResponseObject plan = ResponseObject.of(id, createdAt, request, ResponseObject.COMPLETED, List.of(),
                    null, null, MixPlanView.of(gateway.plan(mix, context)));
            return Uni.createFrom().item(Response.ok(plan, MediaType.APPLICATION_JSON_TYPE).build());
        }
        Consumer<ResponseObject> keep = response -> {
            if (request.store()) {
                List<Item> conversation = new ArrayList<>(earlier);
                conversation.addAll(request.input());
                conversation.addAll(response.output());
                stored.save(new StoredResponse(response, request.input(), conversation));
            }
        };
        if (request.stream()) {
            ResponseEvents events = new ResponseEvents(json, request, id, createdAt,
                    result -> moa(request, result, context), keep);
            Uni<StreamedMix> streamed = gateway.stream(mix, context);
            return calls.streamed(context, keepAlive -> events.frames(streamed, keepAlive,
                    Infrastructure.getDefaultWorkerPool(), ResponsesResource::message), request.trace(),
                    ErrorMapper::response);
        }
        return calls.whole(context, gateway.run(mix, context)
                // Keeping the response may call S3: off the event loop the answer arrived on.
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(result -> {
                    String status = ResponseEvents.status(result.answer());
                    ResponseObject response = ResponseObject.of(id, createdAt, request, status,
                            ResponseEvents.output(result.answer(), status), ResponseUsage.of(result.usage()), null,
                            moa(request, result, context));
                    // Lambda's 6 MB response limit, measured as the body will be written.
                    ResponseSize.check(response, json, request.trace());
                    keep.accept(response);
                    return InboundCalls.answered(response, result.usage(), context);
                }), ErrorMapper::response);
    }

    /** A stored response as it was answered. Blocking: the store may be S3. */
    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public JsonNode retrieve(@PathParam("id") String id, @QueryParam("stream") Boolean stream) {
        if (Boolean.TRUE.equals(stream)) {
            throw MoaError.invalidRequest("stream", "Streaming a stored response again is not supported: every "
                    + "response here is complete when it is stored.");
        }
        return stored.require(id).path("response");
    }

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public DeletedResponse delete(@PathParam("id") String id) {
        if (!stored.delete(id)) {
            throw StoredResponses.notFound(id);
        }
        return new DeletedResponse(id, "response", true);
    }

    /** A failure's OpenAI error message, as the error object of a non-streamed request would say it. */
    private static String message(Throwable failure) {
        return StreamErrors.map(failure).detail().message();
    }

    /**
     * A streamed response's {@code moa}: the trace when asked for (with what the guards noted: they settled as the
     * answer completed), and the count of calls without a price.
     */
    private static Trace moa(ResponsesRequest request, dev.moa.engine.MixResult result, CallContext context) {
        return Trace.of(Trace.asked(request.trace(), request.model(), result, context.notes()), result.usage());
    }

    /**
     * The response's own input items (not those of the responses it continued), newest first unless
     * {@code order=asc}; {@code after} an item id, {@code limit} 1 to 100 (default 20).
     */
    @GET
    @Path("/{id}/input_items")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public InputItemList inputItems(@PathParam("id") String id, @QueryParam("limit") String limit,
                                    @QueryParam("order") String order, @QueryParam("after") String after) {
        int size = 20;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > 100) {
                throw MoaError.invalidRequest("limit", "'limit' must be an integer from 1 to 100.");
            }
        }
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw MoaError.invalidRequest("order", "'order' must be 'asc' or 'desc'.");
        }
        List<JsonNode> items = new ArrayList<>();
        stored.require(id).path("input").forEach(items::add);
        if (!"asc".equals(order)) {
            java.util.Collections.reverse(items);
        }
        int start = 0;
        if (after != null) {
            start = -1;
            for (int i = 0; i < items.size(); i++) {
                if (after.equals(items.get(i).path("id").asText())) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                throw MoaError.invalidRequest("after", "No input item with id '" + after + "' in response '" + id
                        + "'.");
            }
        }
        int end = Math.min(items.size(), start + size);
        return InputItemList.of(items.subList(start, end), end < items.size());
    }
}
