package dev.moa.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.MoaConfig;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.LayerFailedException;
import dev.moa.engine.MixEngine;
import dev.moa.engine.MixPlanner;
import dev.moa.engine.MixResult;
import dev.moa.engine.MixRun;
import dev.moa.engine.StreamedMix;
import dev.moa.engine.Upstream;
import dev.moa.mix.ApiKey;
import dev.moa.metrics.RequestMetrics;
import dev.moa.metrics.RequestOutcome;
import dev.moa.mix.ProviderConfig;
import dev.moa.provider.ChatClient;
import dev.moa.provider.ChatClients;
import dev.moa.provider.Redactor;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import dev.moa.store.MixCatalog;
import dev.moa.store.ResolvedMix;
import dev.moa.store.SecretResolver;
import dev.moa.store.StoreUnavailableException;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The chat-completions pipeline (parse, resolve the mix, run the engine, respond), shared by
 * {@code POST /v1/chat/completions} and the batch runner, so a batch line gets exactly what the endpoint returns.
 * Failures are raised as the exceptions {@link ErrorMapper} turns into OpenAI error objects.
 */
@Singleton
public class ChatCompletions {

    /** API Gateway and Lambda refuse larger payloads; dev mode answers the same way. */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;

    private final MixCatalog catalog;
    private final MixEngine engine;
    private final MixPlanner planner;
    private final ChatClients clients;
    private final SecretResolver secrets;
    private final ObjectMapper json;
    private final MoaConfig config;
    private final InvocationTime invocation;
    private final ResponseTransport transport;
    private final RequestMetrics metrics;

    public ChatCompletions(MixCatalog catalog, MixEngine engine, MixPlanner planner, ChatClients clients,
                           SecretResolver secrets, ObjectMapper json, MoaConfig config, InvocationTime invocation,
                           ResponseTransport transport, RequestMetrics metrics) {
        this.metrics = metrics;
        this.catalog = catalog;
        this.engine = engine;
        this.planner = planner;
        this.clients = clients;
        this.secrets = secrets;
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
        return create(body, config.deadline(), headers, headers.getHeaderString(HttpHeaders.AUTHORIZATION),
                transport.streams());
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
        return create(body, deadline, null, null, false);
    }

    /** A batch line with the client's key: redacted like the provider keys. */
    public Uni<Response> create(byte[] body, Duration deadline, String authorization) {
        return create(body, deadline, null, authorization, false);
    }

    private Uni<Response> create(byte[] body, Duration deadline, HttpHeaders headers, String authorization,
                                 boolean streams) {
        if (body != null && body.length > MAX_BODY_BYTES) {
            throw new ApiError(413, "invalid_request_error", null, "request_too_large",
                    "The request body is " + body.length + " bytes; the limit is " + MAX_BODY_BYTES
                            + " (API Gateway's payload limit).");
        }
        ChatRequest request = ChatRequestParser.parse(readJson(body));
        ResolvedMix mix = catalog.resolve(request.model()).orElseThrow(() -> Errors.unknownModel(request.model()));
        Map<String, ResolvedKey> keys = new HashMap<>();
        mix.providers().forEach((name, provider) -> keys.put(name, resolveKey(provider)));
        List<String> secrets = new ArrayList<>();
        keys.values().forEach(k -> k.key().ifPresent(secrets::add));
        bearer(authorization).ifPresent(secrets::add);
        Redactor redactor = Redactor.of(secrets);
        Map<String, Upstream> upstreams = new HashMap<>();
        mix.providers().forEach((name, provider) -> upstreams.put(name,
                new Upstream(client(provider, keys.get(name), redactor), provider.timeout(), provider.pricing(),
                        provider.protocol(), provider.baseUrl())));
        MixRun run = new MixRun(mix.mix(), request.messages(), request.sampling(), upstreams, budget(deadline, headers),
                request.options(), redactor);
        if (request.dryRun()) {
            return Uni.createFrom().item(Response.ok(DryRun.of(completionId(), Instant.now().getEpochSecond(),
                    request.model(), planner.plan(run)), MediaType.APPLICATION_JSON_TYPE).build());
        }
        Instant at = Instant.now();
        long start = System.nanoTime();
        if (request.stream()) {
            EventStream events = new EventStream(json, completionId(), Instant.now().getEpochSecond(), request.model(),
                    request.includeUsage(), request.trace(), request.progress());
            return stream(request, events, streams,
                    measured(request, engine.stream(run.withListener(events.listener())), at, start));
        }
        return engine.run(run)
                .onItemOrFailure().invoke((result, failure) -> metrics.record(outcome(request, at, start, result, failure)))
                .map(result -> respond(request, result));
    }

    /**
     * The request's figures for the metrics. A streamed answer is written whole once the mix is done, so its first
     * token reaches the client at the end (issue #11's streaming path measures the real time to first token).
     */
    private static RequestOutcome outcome(ChatRequest request, Instant at, long startNanos, MixResult result,
                                          Throwable failure) {
        Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
        if (failure == null) {
            return new RequestOutcome(request.model(), at, latency,
                    request.stream() ? Optional.of(latency) : Optional.empty(), 200, result.layers());
        }
        if (failure instanceof LayerFailedException layers) {
            return new RequestOutcome(request.model(), at, latency, Optional.empty(), layers.outOfTime() ? 504 : 502,
                    layers.layers());
        }
        return new RequestOutcome(request.model(), at, latency, Optional.empty(), 500, List.of());
    }

    /** The client's own key travels in our Authorization header; it is a secret of the request like the others. */
    private static Optional<String> bearer(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String value = authorization.strip();
        if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            value = value.substring(7).strip();
        }
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /**
     * Checks a request body as {@link #create} would before calling any model (a batch validates its lines so):
     * raises the same {@link ApiError} and returns the model (mix) it names.
     */
    public String check(JsonNode body) {
        return ChatRequestParser.parse(body).model();
    }

    /** Resolves a mix as {@link #create} would: raises 404 {@code model_not_found}, or the store's own errors. */
    public void checkModel(String model) {
        catalog.resolve(model).orElseThrow(() -> Errors.unknownModel(model));
    }

    /** The deadline, further capped by what is left of the invocation minus a margin to answer. */
    private Duration budget(Duration deadline, HttpHeaders headers) {
        Duration budget = deadline;
        Optional<Duration> remaining = invocation.remaining(headers);
        if (remaining.isPresent()) {
            Duration left = remaining.get().minus(config.deadlineMargin());
            if (left.compareTo(budget) < 0) {
                budget = left.isNegative() ? Duration.ZERO : left;
            }
        }
        return budget;
    }

    /**
     * {@code stream: true}: chunks go out as the aggregator writes them ({@link EventStream}). The mix starts when
     * the body is written; a failure before the first chunk still gets its ordinary error status. Where the
     * transport buffers anyway (Lambda behind API Gateway, a batch line), the same frames are collected first.
     */
    private Uni<Response> stream(ChatRequest request, EventStream events, boolean streams, Uni<StreamedMix> mix) {
        MediaType type = MediaType.SERVER_SENT_EVENTS_TYPE.withCharset("utf-8");
        if (!streams) {
            // No keep-alive comments: nothing is sent before the end anyway.
            return events.frames(mix, Duration.ofDays(1)).collect().with(Collectors.joining())
                    .map(text -> {
                        // The platform's 6 MB response limit (issue 10), as for every buffered answer.
                        ResponseSize.check(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), request.trace());
                        return Response.ok(text, type).build();
                    });
        }
        EventStreamBody body = new EventStreamBody(events.frames(mix, config.streamKeepAlive()),
                failure -> StreamErrors.reply(json, failure));
        return Uni.createFrom().item(Response.ok(body, type)
                // Proxies (nginx and the like) must pass chunks on at once rather than collect them.
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no")
                .build());
    }

    /** The metrics of a streamed answer: its real time to first token, recorded when it ends. */
    private Uni<StreamedMix> measured(ChatRequest request, Uni<StreamedMix> mix, Instant at, long startNanos) {
        long[] firstToken = {0};
        return mix.onFailure().invoke(failure -> metrics.record(outcome(request, at, startNanos, null, failure)))
                .map(streamed -> new StreamedMix(streamed.proposerLayers(), streamed.answer().onItem().invoke(event -> {
                    long now = System.nanoTime();
                    if (firstToken[0] == 0 && !(event instanceof AnswerEvent.Completed)) {
                        firstToken[0] = now;
                    }
                    if (event instanceof AnswerEvent.Completed done) {
                        metrics.record(new RequestOutcome(request.model(), at, Duration.ofNanos(now - startNanos),
                                Optional.of(Duration.ofNanos((firstToken[0] == 0 ? now : firstToken[0]) - startNanos)),
                                200, done.result().layers()));
                    } else if (event instanceof AnswerEvent.Interrupted cut) {
                        metrics.record(new RequestOutcome(request.model(), at, Duration.ofNanos(now - startNanos),
                                Optional.empty(), cut.failure().kind() == UpstreamFailure.Kind.DEADLINE ? 504 : 502,
                                cut.partial().layers()));
                    }
                }).onFailure().invoke(failure -> metrics.record(outcome(request, at, startNanos, null, failure)))));
    }

    private static String completionId() {
        return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Exactly one JSON value: trailing garbage or a second value after the object is an error, not ignored. */
    private JsonNode readJson(byte[] body) {
        try {
            JsonNode node = body == null || body.length == 0 ? null
                    : json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiError.invalidRequest(null, "The request body must be a JSON object.");
            }
            return node;
        } catch (IOException e) {
            throw ApiError.invalidRequest(null, "We could not parse the JSON body of your request: it is not valid "
                    + "JSON, or more than one JSON value.");
        }
    }

    /** A provider's key, or why there is none. */
    private record ResolvedKey(Optional<String> key, String missing) {
    }

    private ResolvedKey resolveKey(ProviderConfig provider) {
        if (provider.apiKey().isEmpty()) {
            return new ResolvedKey(Optional.empty(), null);
        }
        ApiKey reference = provider.apiKey().get();
        try {
            Optional<String> key = secrets.resolve(reference);
            return new ResolvedKey(key, key.isEmpty() ? describe(reference) + " is not set" : null);
        } catch (StoreUnavailableException e) {
            return new ResolvedKey(Optional.empty(), e.getMessage());
        }
    }

    private ChatClient client(ProviderConfig provider, ResolvedKey key, Redactor redactor) {
        if (key.missing() != null) {
            // Only this provider's agents fail; others in the mix may still answer.
            UpstreamFailure noKey = UpstreamFailure.notConfigured("no API key for provider \"" + provider.name()
                    + "\": " + key.missing());
            return call -> Uni.createFrom().failure(noKey);
        }
        return clients.forProvider(provider, key.key(), redactor);
    }

    private static String describe(ApiKey key) {
        if (key instanceof ApiKey.FromEnv env) {
            return "environment variable " + env.variable();
        }
        return "parameter " + ((ApiKey.FromParameter) key).name();
    }

    private Response respond(ChatRequest request, MixResult result) {
        String id = completionId();
        long created = Instant.now().getEpochSecond();
        Trace trace = request.trace() ? Trace.of(request.model(), result) : null;
        ChatCompletion completion = new ChatCompletion(id, "chat.completion", created, request.model(),
                List.of(new ChatCompletion.Choice(0, ChatCompletion.AssistantMessage.of(result.answer()), null,
                        result.answer().finishReason())),
                result.usage(), trace);
        // The entity stays the object (a batch line reads it as such); its size is measured as it will be written.
        ResponseSize.check(completion, json, request.trace());
        return withCost(Response.ok(completion, MediaType.APPLICATION_JSON_TYPE), result.usage()).build();
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
