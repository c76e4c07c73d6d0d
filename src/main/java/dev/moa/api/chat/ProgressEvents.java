package dev.moa.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Attempt;
import dev.moa.engine.LayerTrace;
import dev.moa.engine.MixListener;
import dev.moa.engine.MixRun;
import dev.moa.engine.StreamedMix;
import dev.moa.mix.Agent;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code "moa": {"progress": true}} on a streamed chat request: while the mix runs, a {@code chat.completion.chunk}
 * with no choices and a {@code moa} event as each call ends ({@code agent_done}) and each layer ends
 * ({@code layer_done}). They come before the aggregator's first token; when the aggregator streams, its own
 * {@code agent_done} and {@code layer_done} follow its last token, before the finish chunk.
 *
 * <p>A run's listener: it hears the engine's events on the engine's threads and writes them as frames, in order,
 * into the one stream the client reads. Empty choices keep official SDKs parsing: they treat such a chunk as they
 * treat the usage chunk.
 */
final class ProgressEvents implements MixListener {

    private static final String CHUNK = "chat.completion.chunk";

    private final ObjectMapper json;
    private final String id;
    private final long created;
    private final String model;

    private final Map<Long, List<AttemptTimes>> attempts = new ConcurrentHashMap<>();
    private volatile long startNanos = System.nanoTime();

    /** Guarded by {@code this}: where frames go, and those waiting for the answer's next frame. */
    private MultiEmitter<? super String> emitter;
    private boolean live = true;
    private final Queue<String> waiting = new ArrayDeque<>();

    ProgressEvents(ObjectMapper json, String id, long created, String model) {
        this.json = json;
        this.id = id;
        this.created = created;
        this.model = model;
    }

    /**
     * The progress frames as the proposers end, then {@code answer}'s frames. The mix starts when this is
     * subscribed; cancelling it cancels the mix.
     */
    Multi<String> frames(Uni<StreamedMix> mix, Function<StreamedMix, Multi<String>> answer) {
        return Multi.createFrom().emitter(out -> {
            synchronized (this) {
                emitter = out;
            }
            Cancellable[] running = new Cancellable[2];
            out.onTermination(() -> {
                synchronized (running) {
                    for (Cancellable c : running) {
                        if (c != null) {
                            c.cancel();
                        }
                    }
                }
            });
            Cancellable proposers = mix.subscribe().with(streamed -> {
                synchronized (this) {
                    // From here on the answer sets the pace: a call's end waits for the answer's next frame, so the
                    // aggregator's own agent_done goes between its last token and the finish chunk.
                    live = false;
                }
                Cancellable frames = answer.apply(streamed).subscribe().with(this::emitAfterWaiting,
                        failure -> {
                            synchronized (this) {
                                drain();
                                out.fail(failure);
                            }
                        },
                        () -> {
                            synchronized (this) {
                                drain();
                                out.complete();
                            }
                        });
                synchronized (running) {
                    running[1] = frames;
                }
            }, out::fail);
            synchronized (running) {
                running[0] = proposers;
            }
        }, BackPressureStrategy.BUFFER);
    }

    private synchronized void emitAfterWaiting(String frame) {
        drain();
        emitter.emit(frame);
    }

    /** Must hold the lock. */
    private void drain() {
        while (!waiting.isEmpty()) {
            emitter.emit(waiting.poll());
        }
    }

    private synchronized void publish(Object event) {
        String frame = frame(event);
        if (live && emitter != null) {
            emitter.emit(frame);
        } else {
            waiting.add(frame);
        }
    }

    @Override
    public void mixStarted(MixRun run) {
        startNanos = System.nanoTime();
    }

    @Override
    public AttemptListener attemptStarted(int layer, int index, Agent candidate, boolean fallback, int retry,
                                          int hedge, CompletionCall request) {
        AttemptTimes times = new AttemptTimes(candidate.provider(), candidate.model(), fallback, retry, hedge,
                millisSinceStart());
        attempts.computeIfAbsent(key(layer, index), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                .add(times);
        return new AttemptListener() {
            @Override
            public void answered(Completion completion) {
                times.end(millisSinceStart(), null);
            }

            @Override
            public void failed(UpstreamFailure failure) {
                times.end(millisSinceStart(), failure.getMessage());
            }

            @Override
            public void cancelled() {
                times.end(millisSinceStart(), "cancelled");
            }
        };
    }

    @Override
    public void callDone(int layer, int index, AgentOutcome outcome) {
        List<AttemptView> tries;
        List<AttemptTimes> timed = attempts.getOrDefault(key(layer, index), List.of());
        synchronized (timed) {
            tries = timed.stream().map(AttemptTimes::view).toList();
        }
        long latency = outcome.latency().toMillis();
        Attempt last = outcome.attempts().isEmpty() ? null : outcome.attempts().get(outcome.attempts().size() - 1);
        boolean answered = outcome instanceof AgentOutcome.Answered;
        // The model that answered (a fallback, perhaps), else the agent as the mix names it.
        String provider = answered && last != null ? last.provider() : outcome.agent().provider();
        String name = answered && last != null ? last.model() : outcome.agent().model();
        long started = Math.max(0, millisSinceStart() - latency);
        if (outcome instanceof AgentOutcome.Answered a) {
            Usage usage = a.completion().usage();
            publish(new AgentDone("agent_done", layer, index, provider, name, latency, started, usage, usage.cost(),
                    a.completion().content(), null, null, tries));
        } else if (outcome instanceof AgentOutcome.Cut c) {
            publish(new AgentDone("agent_done", layer, index, provider, name, latency, started, Usage.ZERO, null,
                    null, c.reason(), true, tries));
        } else {
            AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
            publish(new AgentDone("agent_done", layer, index, provider, name, latency, started, Usage.ZERO,
                    BigDecimal.ZERO, null, f.failure().getMessage(), null, tries));
        }
    }

    @Override
    public void layerDone(int layer, LayerTrace trace) {
        int cut = (int) trace.outcomes().stream().filter(o -> o instanceof AgentOutcome.Cut).count();
        publish(new LayerDone("layer_done", layer, trace.answers().size(), cut));
    }

    private long millisSinceStart() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static long key(int layer, int index) {
        return ((long) layer << 32) | (index & 0xffffffffL);
    }

    private String frame(Object event) {
        try {
            return "data: " + json.writeValueAsString(new ProgressChunk(id, CHUNK, created, model, List.of(), event))
                    + "\n\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One try's times, filled in when it ends. */
    private static final class AttemptTimes {
        private final String provider;
        private final String model;
        private final boolean fallback;
        private final int retry;
        private final int hedge;
        private final long startedMs;
        private volatile Long latencyMs;
        private volatile String error;

        AttemptTimes(String provider, String model, boolean fallback, int retry, int hedge, long startedMs) {
            this.provider = provider;
            this.model = model;
            this.fallback = fallback;
            this.retry = retry;
            this.hedge = hedge;
            this.startedMs = startedMs;
        }

        void end(long atMs, String error) {
            if (latencyMs == null) {
                this.error = error;
                this.latencyMs = Math.max(0, atMs - startedMs);
            }
        }

        AttemptView view() {
            return new AttemptView(provider, model, startedMs, latencyMs, retry > 0 ? retry : null,
                    fallback ? true : null, hedge > 0 ? hedge : null, error);
        }
    }

    /** A chunk with no choices that carries one progress event. */
    @RegisterForReflection
    record ProgressChunk(String id, String object, long created, String model, List<Object> choices, Object moa) {
    }

    /**
     * One call ended: {@code output} when it answered, {@code error} when not ({@code cut} when its layer went on
     * without it). {@code cost} is null when the provider has no price for the model. {@code started_ms} is when it started, from the start of the mix; {@code attempts} every try
     * with its own times (retries and fallbacks).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentDone(String event, int layer, int index, String provider, String model,
                     @JsonProperty("latency_ms") long latencyMs, @JsonProperty("started_ms") long startedMs,
                     Usage usage, @JsonInclude(JsonInclude.Include.ALWAYS) BigDecimal cost, String output,
                     String error, Boolean cut,
                     List<AttemptView> attempts) {
    }

    @RegisterForReflection
    record LayerDone(String event, int layer, int answers, int cut) {
    }

    /** {@code latency_ms} is absent while the try is still running (a hedge's loser, say). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AttemptView(String provider, String model, @JsonProperty("started_ms") long startedMs,
                       @JsonProperty("latency_ms") Long latencyMs, Integer retry, Boolean fallback, Integer hedge,
                       String error) {
    }
}
