package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.MoaConfig;
import dev.moa.api.BodyReader;
import dev.moa.api.ErrorMapper;
import dev.moa.api.GuardHeaders;
import dev.moa.api.InvocationTime;
import dev.moa.api.ResponseSize;
import dev.moa.api.ResponseTransport;
import dev.moa.api.SseResponder;
import dev.moa.api.StreamErrors;
import dev.moa.api.Trace;
import dev.moa.engine.MixResult;
import dev.moa.engine.StreamedMix;
import dev.moa.gateway.CallContext;
import dev.moa.gateway.MixGateway;
import dev.moa.gateway.MixRequest;
import dev.moa.model.MoaError;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The Chat Completions adapter: the OpenAI chat body → a {@link MixRequest}, the {@link MixGateway}'s answer → a
 * {@code chat.completion} or its chunks. Shared by {@code POST /v1/chat/completions} and the batch runner, so a
 * batch line gets exactly what the endpoint returns. Failures are raised as the exceptions {@link ErrorMapper}
 * turns into OpenAI error objects.
 */
@Singleton
public class ChatCompletions {

    /** API Gateway and Lambda refuse larger payloads; dev mode answers the same way. */
    public static final int MAX_BODY_BYTES = BodyReader.MAX_BODY_BYTES;

    private final MixGateway gateway;
    private final ObjectMapper json;
    private final MoaConfig config;
    private final InvocationTime invocation;
    private final ResponseTransport transport;

    public ChatCompletions(MixGateway gateway, ObjectMapper json, MoaConfig config, InvocationTime invocation,
                           ResponseTransport transport) {
        this.gateway = gateway;
        this.json = json;
        this.config = config;
        this.invocation = invocation;
        this.transport = transport;
    }

    /**
     * A request of the API: {@code moa.deadline}, capped by the invocation's time where the platform says (Lambda's
     * context, the Lambda Web Adapter's header). A streamed answer goes out as it is written where the transport
     * can. The client's own key ({@code Authorization}) is a secret of the request like the provider keys.
     * Blocking: resolving reads the store.
     */
    public Uni<Response> create(byte[] body, HttpHeaders headers) {
        return create(body, new CallContext(config.deadline(), invocation.remaining(headers),
                CallContext.presentedKey(headers.getHeaderString(HttpHeaders.AUTHORIZATION), null),
                transport.streams()));
    }

    /**
     * A request of the API with the client's {@code Authorization} header: the client's own key is a secret of the
     * request like the provider keys, redacted from everything an upstream sends back.
     */
    public Uni<Response> create(byte[] body, String authorization) {
        return create(body, config.deadline(), authorization);
    }

    /** A request with its own deadline (a batch line), still capped by what is left of a Lambda invocation. */
    public Uni<Response> create(byte[] body, Duration deadline) {
        return create(body, deadline, null);
    }

    /** A batch line with the client's key: redacted like the provider keys. */
    public Uni<Response> create(byte[] body, Duration deadline, String authorization) {
        return create(body, new CallContext(deadline, invocation.remaining(null),
                CallContext.presentedKey(authorization, null), false));
    }

    /**
     * A batch line or an eval run's call: charged to the key that created the batch or run ({@code owner}, by name),
     * counted against its tokens and budgets but not its requests per minute.
     */
    public Uni<Response> createLine(byte[] body, Duration deadline, Optional<String> owner) {
        return create(body, CallContext.line(deadline, invocation.remaining(null), owner));
    }

    /** Any caller that built its own {@link CallContext}. */
    public Uni<Response> create(byte[] body, CallContext context) {
        ChatRequest request = ChatRequestParser.parse(BodyReader.read(body, json));
        MixRequest mix = new MixRequest(request.model(), request.messages(), request.sampling(), request.options(),
                request.trace(), request.dryRun());
        if (request.dryRun()) {
            return Uni.createFrom().item(Response.ok(DryRunCompletion.of(completionId(), Instant.now().getEpochSecond(),
                    request.model(), gateway.plan(mix, context)), MediaType.APPLICATION_JSON_TYPE).build());
        }
        if (request.stream()) {
            EventStream events = new EventStream(json, completionId(), Instant.now().getEpochSecond(), request.model(),
                    request.includeUsage(), request.trace(), request.progress());
            return stream(request, events, context, gateway.stream(mix, context, events.listener()));
        }
        return gateway.run(mix, context).map(result -> respond(request, result, context));
    }

    /**
     * Checks a request body as {@link #create} would before calling any model (a batch validates its lines so):
     * raises the same {@link MoaError} and returns the model (mix) it names.
     */
    public String check(JsonNode body) {
        return ChatRequestParser.parse(body).model();
    }

    /** Resolves a mix as {@link #create} would: raises 404 {@code model_not_found}, or the store's own errors. */
    public void checkModel(String model) {
        gateway.checkModel(model);
    }

    /**
     * {@code stream: true}: chunks go out as the aggregator writes them ({@link EventStream}). The mix starts when
     * the body is written; a failure before the first chunk still gets its ordinary error status. Where the
     * transport buffers anyway (Lambda behind API Gateway, a batch line), the same frames are collected first.
     */
    private Uni<Response> stream(ChatRequest request, EventStream events, CallContext context,
                                 Uni<StreamedMix> mix) {
        return SseResponder.respond(keepAlive -> events.frames(mix, keepAlive), context.streams(),
                config.streamKeepAlive(), request.trace(), failure -> StreamErrors.reply(json, failure))
                .map(response -> GuardHeaders.added(response, context));
    }

    private static String completionId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    private Response respond(ChatRequest request, MixResult result, CallContext context) {
        String id = completionId();
        long created = Instant.now().getEpochSecond();
        Trace trace = request.trace() ? Trace.of(request.model(), result).withNotes(context.notes()) : null;
        ChatCompletion completion = new ChatCompletion(id, "chat.completion", created, request.model(),
                List.of(new ChatCompletion.Choice(0, ChatCompletion.AssistantMessage.of(result.answer()), null,
                        result.answer().finishReason())),
                result.usage(), Trace.of(trace, result.usage()));
        // The entity stays the object (a batch line reads it as such); its size is measured as it will be written.
        ResponseSize.check(completion, json, request.trace());
        return GuardHeaders.added(withCost(Response.ok(completion, MediaType.APPLICATION_JSON_TYPE), result.usage())
                .build(), context);
    }

    /**
     * {@code x-moa-cost-usd}: the request's cost over every call with a price ({@code unknown} when none has one);
     * {@code x-moa-cost-unpriced-calls}, when present, says how many calls had none, so the figure is partial.
     */
    private static Response.ResponseBuilder withCost(Response.ResponseBuilder response, Usage usage) {
        response.header("x-moa-cost-usd", usage.cost() == null ? "unknown" : usage.cost().toPlainString());
        if (usage.unpricedCalls() != null && usage.unpricedCalls() > 0) {
            response.header("x-moa-cost-unpriced-calls", usage.unpricedCalls());
        }
        return response;
    }
}
