package dev.moa.api;

import com.fasterxml.jackson.core.JsonProcessingException;
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

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The edge every inbound adapter (chat, responses, messages) shares, around its own codec: the request's body
 * ({@link BodyReader}) and how it is to be run ({@link CallContext}: {@code moa.deadline}, capped by what the
 * platform leaves the invocation; the caller's key as the client-key filter accepted it, {@code Authorization:
 * Bearer} or {@code x-api-key}; whether the transport streams), then the answer as it leaves: whole, with the cost
 * and the guards' headers, or streamed by the {@link SseResponder}'s rules; a failure after admission as the
 * protocol's error response, with the guards' headers too.
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
     * admitted, and has settled by then), whether the transport streams or buffers.
     *
     * @param failed the protocol's error response for a failure (its status, error object and headers)
     */
    public Uni<Response> streamed(CallContext context, Function<Duration, Multi<String>> frames, boolean traced,
                                  Function<Throwable, Response> failed) {
        Function<Throwable, Response> guarded = guarded(context, failed);
        return SseResponder.respond(frames, context.streams(), config.streamKeepAlive(), traced,
                        failure -> reply(guarded.apply(failure)))
                .map(response -> GuardHeaders.added(response, context))
                // A buffered stream that failed before its first frame fails as a whole answer does.
                .onFailure().recoverWithItem(guarded);
    }

    /**
     * A whole answer as it leaves: a failure of {@code answer} (every upstream failed, the deadline) is the
     * protocol's error response with the guards' headers, as the answer would have carried (the request has settled
     * by then, so they count it). What fails before the request is admitted (a bad body, a refusal) is raised, not
     * returned, and goes to the exception mappers.
     *
     * @param failed the protocol's error response for a failure (its status, error object and headers)
     */
    public Uni<Response> whole(CallContext context, Uni<Response> answer, Function<Throwable, Response> failed) {
        return answer.onFailure().recoverWithItem(guarded(context, failed));
    }

    private static Function<Throwable, Response> guarded(CallContext context, Function<Throwable, Response> failed) {
        return failure -> GuardHeaders.added(failed.apply(failure), context);
    }

    /** An error response as the stream writer sends it: status, the error object's JSON, the headers. */
    private EventStreamBody.ErrorReply reply(Response response) {
        Map<String, String> headers = new LinkedHashMap<>();
        response.getStringHeaders().keySet().stream()
                .filter(name -> !name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE))
                .forEach(name -> headers.put(name, response.getHeaderString(name)));
        try {
            return new EventStreamBody.ErrorReply(response.getStatus(), json.writeValueAsBytes(response.getEntity()),
                    headers);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
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
