package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.MoaConfig;
import dev.moa.gateway.CallContext;
import dev.moa.model.MoaError;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.function.Function;

/**
 * The edge every inbound adapter (chat, responses, messages) shares, around its own codec: the request's body
 * ({@link BodyReader}) and how it is to be run ({@link CallContext}: {@code moa.deadline}, capped by what the
 * platform leaves the invocation; the caller's key as the client-key filter accepted it, {@code Authorization:
 * Bearer} or {@code x-api-key}; whether the transport streams), then the answer as it leaves: whole, with the cost
 * and the guards' headers, or streamed by the {@link SseResponder}'s rules.
 */
@Singleton
public class InboundCalls {

    /** One inbound request: its body, exactly one JSON object, and how it is to be run. */
    public record InboundCall(JsonNode body, CallContext context) {
    }

    private final ObjectMapper json;
    private final MoaConfig config;
    private final InvocationTime invocation;
    private final ResponseTransport transport;

    public InboundCalls(ObjectMapper json, MoaConfig config, InvocationTime invocation, ResponseTransport transport) {
        this.json = json;
        this.config = config;
        this.invocation = invocation;
        this.transport = transport;
    }

    /**
     * Reads the body (413 and 400 as {@link MoaError}s, before anything else) and the context. The client's own key is
     * a secret of the request like the provider keys, redacted from everything an upstream sends back, and the key
     * its limits are counted against.
     */
    public InboundCall open(byte[] body, HttpHeaders headers) {
        JsonNode node = BodyReader.read(body, json);
        return new InboundCall(node, new CallContext(config.deadline(), invocation.remaining(headers),
                CallContext.presentedKey(headers.getHeaderString(HttpHeaders.AUTHORIZATION),
                        headers.getHeaderString(ClientKeyFilter.API_KEY)),
                transport.streams()));
    }

    /**
     * A streamed answer: its frames by the {@link SseResponder}'s rules at {@code moa.stream-keep-alive}, with the
     * guards' headers; so is the error response of a stream that fails before its first frame (the request was
     * admitted, and has settled by then).
     *
     * @param failed a failure before the first frame, as the protocol's HTTP error response
     */
    public Uni<Response> streamed(CallContext context, Function<Duration, Multi<String>> frames, boolean traced,
                                  Function<Throwable, EventStreamBody.ErrorReply> failed) {
        return SseResponder.respond(frames, context.streams(), config.streamKeepAlive(), traced,
                        failure -> failed.apply(failure).withHeaders(context.notes().headers()))
                .map(response -> GuardHeaders.added(response, context));
    }

    /**
     * A whole answer: 200 with the protocol's object, {@code x-moa-cost-usd} (the request's cost over every call with
     * a price, {@code unknown} when none has one), {@code x-moa-cost-unpriced-calls} when some call had none (the
     * figure is then partial), and the guards' headers.
     */
    public static Response answered(Object entity, Usage usage, CallContext context) {
        Response.ResponseBuilder response = Response.ok(entity, MediaType.APPLICATION_JSON_TYPE);
        response.header("x-moa-cost-usd", usage.cost() == null ? "unknown" : usage.cost().toPlainString());
        if (usage.unpricedCalls() != null && usage.unpricedCalls() > 0) {
            response.header("x-moa-cost-unpriced-calls", usage.unpricedCalls());
        }
        return GuardHeaders.added(response.build(), context);
    }
}
