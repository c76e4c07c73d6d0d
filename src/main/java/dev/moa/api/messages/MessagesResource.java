package dev.moa.api.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.BodyReader;
import dev.moa.api.InboundCalls;
import dev.moa.api.MessagesPaths;
import dev.moa.api.ResponseSize;
import dev.moa.api.Trace;
import dev.moa.engine.MixResult;
import dev.moa.engine.ReferenceCap;
import dev.moa.gateway.CallContext;
import dev.moa.gateway.MixGateway;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Map;
import java.util.UUID;

/**
 * The Anthropic Messages API, answered by a mix: {@code POST /v1/messages} (also with Claude Code's
 * {@code ?beta=true}) and {@code POST /v1/messages/count_tokens}. The {@code anthropic-version} and
 * {@code anthropic-beta} headers are accepted and change nothing. Every error leaves in Anthropic's shape (the
 * mapper below is local to this resource).
 */
@Path(MessagesPaths.ROOT)
public class MessagesResource {

    private final MixGateway gateway;
    private final ObjectMapper json;
    private final InboundCalls calls;

    public MessagesResource(MixGateway gateway, ObjectMapper json, InboundCalls calls) {
        this.gateway = gateway;
        this.json = json;
        this.calls = calls;
    }

    /** Blocking: resolving a mix reads the store; the upstream calls themselves are non-blocking. */
    @POST
    @Blocking
    public Uni<Response> create(byte[] body, @Context HttpHeaders headers) {
        InboundCalls.InboundCall call = calls.open(body, headers);
        MessagesRequest request = MessagesRequestCodec.parse(call.body());
        CallContext context = call.context();
        String id = messageId();
        if (request.stream()) {
            MessageEvents events = new MessageEvents(json, id, request.model(), AnthropicErrors::body,
                    request.mix().trace(), context.notes());
            var mix = gateway.stream(request.mix(), context);
            return calls.streamed(context, keepAlive -> events.frames(mix, keepAlive), request.mix().trace(),
                    AnthropicErrors::response);
        }
        return calls.whole(context, gateway.run(request.mix(), context).map(result -> respond(id, request, result,
                context)), AnthropicErrors::response);
    }

    /** Claude Code asks before it sends: the same estimate the engine budgets references with (characters / 4). */
    @POST
    @Path("count_tokens")
    public Response countTokens(byte[] body) {
        JsonNode node = BodyReader.read(body, json);
        long tokens = 0;
        for (String text : MessagesRequestCodec.countedTexts(node)) {
            tokens += ReferenceCap.estimateTokens(text);
        }
        return Response.ok(Map.of("input_tokens", tokens), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @ServerExceptionMapper
    public Response failed(Throwable failure) {
        return AnthropicErrors.response(failure);
    }

    private Response respond(String id, MessagesRequest request, MixResult result, CallContext context) {
        // With or without the trace, moa counts the calls without a price (not a field of Anthropic's usage).
        Trace trace = Trace.of(Trace.asked(request.mix().trace(), request.model(), result, context.notes()),
                result.usage());
        AnthropicMessage message = AnthropicMessage.of(id, request.model(), MixGateway.answer(result), json, trace);
        // Lambda's 6 MB response limit, measured as the body will be written.
        ResponseSize.check(message, json, request.mix().trace());
        return InboundCalls.answered(message, result.usage(), context);
    }

    private static String messageId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }
}
