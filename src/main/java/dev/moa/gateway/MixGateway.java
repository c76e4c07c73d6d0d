package dev.moa.gateway;

import dev.moa.engine.AnswerEvent;
import dev.moa.engine.LayerFailedException;
import dev.moa.engine.LayerTrace;
import dev.moa.engine.MixEngine;
import dev.moa.engine.MixListener;
import dev.moa.engine.MixPlan;
import dev.moa.engine.MixPlanner;
import dev.moa.engine.MixResult;
import dev.moa.engine.MixRun;
import dev.moa.engine.StreamedMix;
import dev.moa.engine.Upstream;
import dev.moa.mix.ApiKey;
import dev.moa.mix.ProviderConfig;
import dev.moa.model.MixAnswer;
import dev.moa.model.MoaError;
import dev.moa.model.StopReason;
import dev.moa.model.TokenUsage;
import dev.moa.model.ToolCall;
import dev.moa.provider.ChatClient;
import dev.moa.provider.ChatClients;
import dev.moa.provider.Completion;
import dev.moa.provider.Redactor;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import dev.moa.store.MixCatalog;
import dev.moa.store.ResolvedMix;
import dev.moa.store.SecretResolver;
import dev.moa.store.StoreUnavailableException;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one pipeline behind every inbound protocol: resolve the mix, the provider keys and the request's
 * {@link Redactor}, bound the run by the deadline and the invocation's remaining time, let the {@link Guard}s check,
 * run the engine, and tell the guards and {@link CallListener}s how it ended. Adapters only translate their wire
 * to a {@link MixRequest} and the result back.
 *
 * <p>Blocking: resolving a mix reads the store. Failures are {@link MoaError}s (unknown model), the store's
 * {@link StoreUnavailableException}, a mix document's error, or the engine's {@link LayerFailedException}.
 */
public final class MixGateway {

    private static final Logger LOG = Logger.getLogger(MixGateway.class);

    private final MixCatalog catalog;
    private final MixEngine engine;
    private final MixPlanner planner;
    private final ChatClients clients;
    private final SecretResolver secrets;
    private final Duration deadlineMargin;
    private final List<Guard> guards;
    private final List<CallListener> listeners;

    public MixGateway(MixCatalog catalog, MixEngine engine, MixPlanner planner, ChatClients clients,
                      SecretResolver secrets, Duration deadlineMargin, List<Guard> guards,
                      List<CallListener> listeners) {
        this.catalog = catalog;
        this.engine = engine;
        this.planner = planner;
        this.clients = clients;
        this.secrets = secrets;
        this.deadlineMargin = deadlineMargin;
        this.guards = List.copyOf(guards);
        this.listeners = List.copyOf(listeners);
    }

    /** The whole answer. */
    public Uni<MixResult> run(MixRequest request, CallContext context) {
        MixRun run = prepare(request, context);
        admit(request, context);
        Instant at = Instant.now();
        long start = System.nanoTime();
        return engine.run(run).onItemOrFailure().invoke((result, failure) ->
                ended(request, context, failure == null ? record(request, at, start, result, false)
                        : failed(request, at, start, failure)));
    }

    /**
     * The answer as it is written: proposers first (the Uni), then the aggregator's {@link AnswerEvent}s. A failure
     * before the first event is the Uni's or the stream's failure; after it, an {@link AnswerEvent.Interrupted}.
     */
    public Uni<StreamedMix> stream(MixRequest request, CallContext context) {
        return stream(request, context, MixListener.NONE);
    }

    /** The same, the run observed by {@code observer} as well (an adapter's progress events). */
    public Uni<StreamedMix> stream(MixRequest request, CallContext context, MixListener observer) {
        MixRun run = prepare(request, context).withListener(observer);
        admit(request, context);
        Instant at = Instant.now();
        long start = System.nanoTime();
        AtomicLong firstToken = new AtomicLong();
        AtomicBoolean settled = new AtomicBoolean();
        return engine.stream(run)
                .onFailure().invoke(failure -> once(settled, request, context, failed(request, at, start, failure)))
                .map(streamed -> new StreamedMix(streamed.proposerLayers(), streamed.answer().onItem().invoke(event -> {
                    long now = System.nanoTime();
                    if (firstToken.get() == 0 && !(event instanceof AnswerEvent.Completed)) {
                        firstToken.set(now);
                    }
                    if (event instanceof AnswerEvent.Completed done) {
                        once(settled, request, context, new CallRecord(request.model(), at,
                                Duration.ofNanos(now - start),
                                Optional.of(Duration.ofNanos((firstToken.get() == 0 ? now : firstToken.get()) - start)),
                                200, done.result().layers(), usage(done.result().usage())));
                    } else if (event instanceof AnswerEvent.Interrupted cut) {
                        once(settled, request, context, new CallRecord(request.model(), at,
                                Duration.ofNanos(now - start), Optional.empty(),
                                cut.failure().kind() == UpstreamFailure.Kind.DEADLINE ? 504 : 502,
                                cut.partial().layers(), usage(cut.partial().usage())));
                    }
                }).onFailure().invoke(failure -> once(settled, request, context,
                        failed(request, at, start, failure)))));
    }

    /** What the mix would send, calling nothing ({@code moa.dry_run}). */
    public MixPlan plan(MixRequest request, CallContext context) {
        return planner.plan(prepare(request, context));
    }

    /** Resolves a mix as {@link #run} would: raises {@link MoaError#unknownModel}, or the store's own errors. */
    public void checkModel(String model) {
        catalog.resolve(model).orElseThrow(() -> MoaError.unknownModel(model));
    }

    /** A mix's result in neutral terms. */
    public static MixAnswer answer(MixResult result) {
        Completion answer = result.answer();
        return new MixAnswer(answer.content(),
                answer.toolCalls().stream().map(c -> new ToolCall(c.id(), c.name(), c.arguments())).toList(),
                StopReason.of(answer.finishReason(), answer.stopSequence()), answer.stopSequence(),
                usage(result.usage()));
    }

    /** Usage in neutral terms. */
    public static TokenUsage usage(Usage usage) {
        return new TokenUsage(usage.promptTokens(), usage.completionTokens(), usage.cachedTokens(),
                usage.cacheWriteTokens(), usage.cost(), usage.unpricedCalls() == null ? 0 : usage.unpricedCalls());
    }

    private MixRun prepare(MixRequest request, CallContext context) {
        ResolvedMix mix = catalog.resolve(request.model()).orElseThrow(() -> MoaError.unknownModel(request.model()));
        Map<String, ResolvedKey> keys = new HashMap<>();
        mix.providers().forEach((name, provider) -> keys.put(name, resolveKey(provider)));
        List<String> secrets = new ArrayList<>();
        keys.values().forEach(k -> k.key().ifPresent(secrets::add));
        context.callerKey().ifPresent(secrets::add);
        Redactor redactor = Redactor.of(secrets);
        Map<String, Upstream> upstreams = new HashMap<>();
        mix.providers().forEach((name, provider) -> upstreams.put(name,
                new Upstream(client(provider, keys.get(name), redactor), provider.timeout(), provider.pricing(),
                        provider.protocol(), provider.baseUrl())));
        return new MixRun(mix.mix(), request.conversation(), request.sampling(), upstreams, budget(context),
                request.options(), redactor);
    }

    private void admit(MixRequest request, CallContext context) {
        for (Guard guard : guards) {
            guard.check(request, context);
        }
    }

    /** The deadline, further capped by what is left of the invocation minus a margin to answer. */
    private Duration budget(CallContext context) {
        Duration budget = context.deadline();
        if (context.remaining().isPresent()) {
            Duration left = context.remaining().get().minus(deadlineMargin);
            if (left.compareTo(budget) < 0) {
                budget = left.isNegative() ? Duration.ZERO : left;
            }
        }
        return budget;
    }

    private static CallRecord record(MixRequest request, Instant at, long startNanos, MixResult result,
                                     boolean streamed) {
        Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
        return new CallRecord(request.model(), at, latency, streamed ? Optional.of(latency) : Optional.empty(), 200,
                result.layers(), usage(result.usage()));
    }

    private static CallRecord failed(MixRequest request, Instant at, long startNanos, Throwable failure) {
        Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
        if (failure instanceof LayerFailedException layers) {
            return new CallRecord(request.model(), at, latency, Optional.empty(), layers.outOfTime() ? 504 : 502,
                    layers.layers(), usage(layers.layers().stream().map(LayerTrace::usage)
                    .reduce(Usage.ZERO, Usage::plus)));
        }
        return new CallRecord(request.model(), at, latency, Optional.empty(), 500, List.of(), TokenUsage.ZERO);
    }

    private void once(AtomicBoolean settled, MixRequest request, CallContext context, CallRecord record) {
        if (settled.compareAndSet(false, true)) {
            ended(request, context, record);
        }
    }

    private void ended(MixRequest request, CallContext context, CallRecord record) {
        for (Guard guard : guards) {
            try {
                guard.settle(request, context, record);
            } catch (RuntimeException e) {
                LOG.errorf("guard %s failed to settle: %s", guard.getClass().getName(), e.getClass().getName());
            }
        }
        for (CallListener listener : listeners) {
            try {
                listener.ended(request, context, record);
            } catch (RuntimeException e) {
                LOG.errorf("listener %s failed: %s", listener.getClass().getName(), e.getClass().getName());
            }
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
}
