package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.BodyReader;
import dev.moa.api.ErrorMapper;
import dev.moa.api.InboundCalls;
import dev.moa.api.InvocationTime;
import dev.moa.api.ResponseSize;
import dev.moa.api.Trace;
import dev.moa.engine.MixResult;
import dev.moa.engine.StreamedMix;
import dev.moa.gateway.CallContext;
import dev.moa.gateway.MixGateway;
import dev.moa.gateway.MixRequest;
import dev.moa.model.MoaError;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
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
    private final InvocationTime invocation;
    private final InboundCalls calls;

    public ChatCompletions(MixGateway gateway, ObjectMapper json, InvocationTime invocation, InboundCalls calls) {
        this.gateway = gateway;
        this.json = json;
        this.invocation = invocation;
        this.calls = calls;
    }

    /**
     * A request of the API, as every adapter opens it ({@link InboundCalls}); a failure after admission answers as
     * the request's OpenAI error with the guards' headers. Blocking: resolving reads the store.
     */
    public Uni<Response> create(InboundCalls.InboundCall call) {
        return calls.whole(call.context(), create(call.body(), call.context()), ErrorMapper::response);
    }

    /**
     * A batch line or an eval run's call: charged to the key that created the batch or run ({@code owner}, by name),
     * counted against its tokens and budgets but not its requests per minute; its own deadline, still capped by what
     * is left of a Lambda invocation.
     */
    public Uni<Response> createLine(byte[] body, Duration deadline, Optional<String> owner) {
        return create(BodyReader.read(body, json), CallContext.line(deadline, invocation.remaining(null), owner));
    }

    private Uni<Response> create(JsonNode body, CallContext context) {
        ChatRequest request = ChatRequestParser.parse(body);
        MixRequest mix = new MixRequest(request.model(), request.messages(), request.sampling(), request.options(),
                request.trace(), request.dryRun());
        if (request.dryRun()) {
            return Uni.createFrom().item(Response.ok(DryRunCompletion.of(completionId(), Instant.now().getEpochSecond(),
                    request.model(), gateway.plan(mix, context)), MediaType.APPLICATION_JSON_TYPE).build());
        }
        if (request.stream()) {
            EventStream events = new EventStream(json, completionId(), Instant.now().getEpochSecond(), request.model(),
                    request.includeUsage(), request.trace(), request.progress(), context.notes());
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
        return calls.streamed(context, keepAlive -> events.frames(mix, keepAlive), request.trace(),
                ErrorMapper::response);
    }

    private static String completionId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    private Response respond(ChatRequest request, MixResult result, CallContext context) {
        String id = completionId();
        long created = Instant.now().getEpochSecond();
        Trace trace = Trace.asked(request.trace(), request.model(), result, context.notes());
        ChatCompletion completion = new ChatCompletion(id, "chat.completion", created, request.model(),
                List.of(new ChatCompletion.Choice(0, ChatCompletion.AssistantMessage.of(result.answer()), null,
                        result.answer().finishReason())),
                result.usage(), Trace.of(trace, result.usage()));
        // The entity stays the object (a batch line reads it as such); its size is measured as it will be written,
        // unless it is small enough whatever its characters (most answers: no second serialization).
        if (request.trace() || !ResponseSize.surelyFits(completion.characters(), result.answer().toolCalls().size())) {
            ResponseSize.check(completion, json, request.trace());
        }
        return InboundCalls.answered(completion, result.usage(), context);
    }
}
