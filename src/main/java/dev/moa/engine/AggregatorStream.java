package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Hedge;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The aggregator's call when the client streams: its answer goes out fragment by fragment. Retries and fallbacks
 * work as for any call until the first fragment has been passed on; after that a failure can only end the answer
 * ({@link AnswerEvent.Interrupted}). The request's deadline bounds the whole answer: when it passes, the upstream
 * call is cancelled (its connection closed).
 */
final class AggregatorStream {

    private final RetryPolicy policy;
    private final ReferenceInjector injector;
    private final Hedging hedging;

    AggregatorStream(RetryPolicy policy, ReferenceInjector injector, Hedging hedging) {
        this.policy = policy;
        this.injector = injector;
        this.hedging = hedging;
    }

    /**
     * @param turn       the aggregator's call as the layer prepared it (references after hygiene and budget)
     * @param references what the layer's trace records of its references
     * @param before     the proposer layers' traces; the aggregator is layer {@code before.size()}
     */
    Multi<AnswerEvent> answer(MixRun run, AgentTurn turn, PreparedReferences references, List<LayerTrace> before,
                              long startNanos, long deadlineNanos) {
        return Multi.createFrom().deferred(() -> new Call(run, turn, references, before, startNanos, deadlineNanos)
                .events());
    }

    /** One subscription: one aggregator call, with its attempts and what it has said so far. */
    private final class Call {
        private final MixRun run;
        private final AgentTurn turn;
        private final Agent agent;
        private final PreparedReferences references;
        private final List<LayerTrace> before;
        private final long startNanos;
        private final long deadlineNanos;
        private final long begin = System.nanoTime();
        private final List<Attempt> log = new CopyOnWriteArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private final AtomicBoolean started = new AtomicBoolean();
        private final ToolCallFragments toolCalls = new ToolCallFragments();
        private final ThinkFilter thinking = new ThinkFilter();

        Call(MixRun run, AgentTurn turn, PreparedReferences references, List<LayerTrace> before, long startNanos,
             long deadlineNanos) {
            this.run = run;
            this.turn = turn;
            this.agent = turn.agent();
            this.references = references;
            this.before = before;
            this.startNanos = startNanos;
            this.deadlineNanos = deadlineNanos;
        }

        /** The aggregator is the last layer's only call. */
        private int layer() {
            return before.size();
        }

        Multi<AnswerEvent> events() {
            run.listener().callStarted(layer(), 0, agent);
            Multi<CompletionEvent> chain = null;
            MixEngine.Attempts tries = new MixEngine.Attempts(layer(), 0, agent);
            for (Agent candidate : agent.candidates()) {
                // Only the agent's own first request may be hedged (on its time to first token).
                Optional<Hedge> hedge = chain == null ? agent.hedge() : Optional.empty();
                Multi<CompletionEvent> attempts = Multi.createFrom().deferred(() -> withRetries(candidate, hedge,
                        tries));
                chain = chain == null ? attempts
                        : chain.onFailure(f -> !started.get()).recoverWithMulti(f -> attempts);
            }
            return withinDeadline(chain)
                    .onItem().transformToIterable(this::toAnswer)
                    .onFailure().recoverWithMulti(f -> started.get()
                            ? Multi.createFrom().item(interrupted(MixEngine.asUpstreamFailure(f)))
                            : Multi.createFrom().failure(failed(MixEngine.asUpstreamFailure(f))));
        }

        private CompletionCall callFor(Agent candidate) {
            return new CompletionCall(candidate.model(),
                    injector.messagesFor(candidate, turn.settings(), turn.tools(), turn.conversation(),
                            turn.references()),
                    turn.answerSampling(candidate), turn.tools().options(candidate.options()));
        }

        private Multi<CompletionEvent> withRetries(Agent candidate, Optional<Hedge> hedge, MixEngine.Attempts tries) {
            CompletionCall call = callFor(candidate);
            int retries = candidate.retries() != null ? candidate.retries() : policy.retries();
            AtomicBoolean firstTry = new AtomicBoolean(true);
            Multi<CompletionEvent> attempt = Multi.createFrom().deferred(() -> {
                long attemptStart = System.nanoTime();
                if (deadlineNanos - attemptStart <= 0) {
                    UpstreamFailure noTime = UpstreamFailure.deadline();
                    log.add(new Attempt(candidate.provider(), candidate.model(), Duration.ZERO, Optional.of(noTime)));
                    return Multi.createFrom().failure(noTime);
                }
                // A retry is a call that already failed: only the first try is hedged.
                if (firstTry.getAndSet(false) && hedge.isPresent()) {
                    Agent target = hedge.get().to() == Hedge.Target.FALLBACK ? agent.fallbacks().get(0) : candidate;
                    CompletionCall targetCall = target == candidate ? call : callFor(target);
                    // Each copy is a request of its own for the listener (a span each), numbered in the order sent.
                    AtomicInteger copies = new AtomicInteger(1);
                    Optional<Multi<CompletionEvent>> raced = hedging.stream(hedge.get(),
                            copy(candidate, call, () -> tries.start(run, candidate, 0, call)),
                            copy(target, targetCall, () -> tries.start(run, target, copies.getAndIncrement(),
                                    targetCall)),
                            deadlineNanos, log::add);
                    if (raced.isPresent()) {
                        return raced.get().onItem().invoke(event -> {
                            if (!(event instanceof CompletionEvent.Finished)) {
                                started.set(true);
                            }
                        });
                    }
                }
                AtomicBoolean first = new AtomicBoolean(true);
                return send(candidate, call, tries.start(run, candidate, 0, call))
                        .onItem().invoke(event -> {
                            if (first.getAndSet(false)) {
                                hedging.latencies().record(candidate.provider(), candidate.model(),
                                        LatencyWindow.Measure.FIRST_TOKEN, since(attemptStart));
                            }
                            if (!(event instanceof CompletionEvent.Finished)) {
                                started.set(true);
                            } else {
                                log.add(new Attempt(candidate.provider(), candidate.model(), since(attemptStart),
                                        Optional.empty()));
                            }
                        })
                        .onFailure().invoke(f -> log.add(new Attempt(candidate.provider(), candidate.model(),
                                since(attemptStart), Optional.of(MixEngine.asUpstreamFailure(f)))));
            });
            if (retries == 0) {
                return attempt;
            }
            int[] retried = {0};
            return attempt
                    .onFailure(f -> !started.get() && f instanceof UpstreamFailure u && u.retryable()
                            && u.retryAfter().isPresent() && retried[0] < retries)
                    .call(f -> Uni.createFrom().voidItem().onItem().delayIt()
                            .by(cap(((UpstreamFailure) f).retryAfter().get())))
                    .onFailure().invoke(() -> retried[0]++)
                    .onFailure(f -> !started.get() && f instanceof UpstreamFailure u && u.retryable())
                    .retry().withBackOff(policy.initialBackoff(), policy.maxBackoff()).withJitter(0.5).atMost(retries);
        }

        private Hedging.Copy<CompletionEvent> copy(Agent candidate, CompletionCall call,
                                                   Supplier<MixListener.AttemptListener> observer) {
            return new Hedging.Copy<>(candidate.provider(), candidate.model(), () -> send(candidate, call,
                    observer.get()), Hedging.estimatedPromptTokens(call),
                    run.upstreams().get(candidate.provider()).pricing().priceOf(candidate.model()));
        }

        /**
         * One streamed request: its timeout bounds the wait for each event (first token, then between tokens). It
         * carries the observer's headers, and the observer hears how it ended (its own text, for a trace).
         */
        private Multi<CompletionEvent> send(Agent candidate, CompletionCall call,
                                            MixListener.AttemptListener observer) {
            Upstream upstream = run.upstreams().get(candidate.provider());
            Duration configured = candidate.timeout().or(upstream::timeout).orElse(policy.attemptTimeout());
            Duration left = Duration.ofNanos(deadlineNanos - System.nanoTime());
            Multi<CompletionEvent> events = upstream.client().stream(call.withHeaders(observer.headers()));
            if (configured.compareTo(left) < 0) {
                events = events.ifNoItem().after(configured).failWith(() -> UpstreamFailure.timeout(configured));
            }
            StringBuilder said = new StringBuilder();
            // The call's cost, as for every other call (MixEngine.priced).
            return events
                    .onItem().transform(event -> UnofferedToolCalls.check(call, event, run.redactor()))
                    .onItem().transform(event -> event instanceof CompletionEvent.Finished finished
                            ? new CompletionEvent.Finished(finished.finishReason(), finished.usage()
                                    .pricedBy(upstream.pricing().priceOf(candidate.model())), finished.stopSequence())
                            : event)
                    .onItem().invoke(event -> {
                        if (event instanceof CompletionEvent.Delta delta) {
                            said.append(delta.content());
                        } else if (event instanceof CompletionEvent.Finished finished) {
                            observer.answered(new Completion(said.toString(), finished.finishReason(),
                                    finished.usage(), toolCalls.calls()));
                        }
                    })
                    .onFailure().invoke(f -> observer.failed(MixEngine.asUpstreamFailure(f)))
                    .onCancellation().invoke(observer::cancelled);
        }

        /** Fails with a deadline failure when the request's time runs out; the cancellation closes the call. */
        private Multi<CompletionEvent> withinDeadline(Multi<CompletionEvent> events) {
            return Multi.createFrom().emitter(emitter -> {
                Duration left = Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
                Cancellable call = events.subscribe().with(emitter::emit, emitter::fail, emitter::complete);
                Cancellable timer = Uni.createFrom().voidItem().onItem().delayIt().by(left).subscribe()
                        .with(ignored -> {
                            // The upstream call is closed first, then the answer ends: nothing outlives the deadline.
                            call.cancel();
                            emitter.fail(new UpstreamFailure(UpstreamFailure.Kind.DEADLINE, 0,
                                    "the request's time ran out after " + since(startNanos).toMillis()
                                            + " ms while the aggregator was answering", null));
                        });
                emitter.onTermination(() -> {
                    timer.cancel();
                    call.cancel();
                });
            });
        }

        private List<AnswerEvent> toAnswer(CompletionEvent event) {
            if (event instanceof CompletionEvent.Delta delta) {
                text.append(delta.content());
                // The client never gets the aggregator's thinking, streamed or not (Reasoning.clean).
                String shown = thinking.accept(delta.content());
                return shown.isEmpty() ? List.of() : List.of(new AnswerEvent.Delta(shown));
            }
            if (event instanceof CompletionEvent.ToolCallDelta call) {
                toolCalls.add(call);
                return List.of(new AnswerEvent.ToolCallDelta(call));
            }
            CompletionEvent.Finished finished = (CompletionEvent.Finished) event;
            Completion answer = new Completion(text.toString(), finished.finishReason(), finished.usage(),
                    toolCalls.calls(), null, finished.stopSequence());
            List<LayerTrace> layers = withAggregator(
                    new AgentOutcome.Answered(agent, 0, since(begin), log, answer, Aggregated.DIRECT));
            AnswerEvent.Completed completed = new AnswerEvent.Completed(new MixResult(Reasoning.clean(answer),
                    usage(layers), layers, since(startNanos)));
            String rest = thinking.flush();
            return rest.isEmpty() ? List.of(completed) : List.of(new AnswerEvent.Delta(rest), completed);
        }

        private AnswerEvent interrupted(UpstreamFailure failure) {
            List<LayerTrace> layers = withAggregator(new AgentOutcome.Failed(agent, 0, since(begin), log, failure));
            return new AnswerEvent.Interrupted(failure, new MixResult(new Completion(text.toString(), null, Usage.ZERO),
                    usage(layers), layers, since(startNanos)));
        }

        private LayerFailedException failed(UpstreamFailure failure) {
            List<LayerTrace> layers = withAggregator(new AgentOutcome.Failed(agent, 0, since(begin), log, failure));
            return new LayerFailedException(run.mix().name(), before.size(), 1, layers,
                    failure.kind() == UpstreamFailure.Kind.DEADLINE);
        }

        /** Every layer's trace, the aggregator's last; its listener hears the call and its layer end. */
        private List<LayerTrace> withAggregator(AgentOutcome outcome) {
            List<LayerTrace> layers = new ArrayList<>(before);
            LayerTrace last = new LayerTrace(List.of(outcome), references, Optional.empty());
            layers.add(last);
            run.listener().callDone(layer(), 0, outcome);
            run.listener().layerDone(layer(), last);
            return layers;
        }
    }

    /** A finished result as the events of a stream of it (the whole answer at once). */
    static List<AnswerEvent> whole(MixResult result) {
        List<AnswerEvent> events = new ArrayList<>();
        for (CompletionEvent event : ChatClient.wholeAnswer(result.answer())) {
            if (event instanceof CompletionEvent.Delta delta) {
                events.add(new AnswerEvent.Delta(delta.content()));
            } else if (event instanceof CompletionEvent.ToolCallDelta call) {
                events.add(new AnswerEvent.ToolCallDelta(call));
            }
        }
        events.add(new AnswerEvent.Completed(result));
        return events;
    }

    /** Tool calls as streamed: fragments per index, concatenated in order of arrival. */
    private static final class ToolCallFragments {
        private final java.util.SortedMap<Integer, String[]> byIndex = new java.util.TreeMap<>();

        synchronized void add(CompletionEvent.ToolCallDelta delta) {
            String[] call = byIndex.computeIfAbsent(delta.index(), i -> new String[] {null, null, ""});
            if (delta.id() != null) {
                call[0] = delta.id();
            }
            if (delta.name() != null) {
                call[1] = delta.name();
            }
            if (delta.arguments() != null) {
                call[2] = call[2] + delta.arguments();
            }
        }

        synchronized List<ToolCall> calls() {
            return byIndex.values().stream().map(c -> new ToolCall(c[0], c[1], c[2])).toList();
        }
    }

    private static Usage usage(List<LayerTrace> layers) {
        return layers.stream().map(LayerTrace::usage).reduce(Usage.ZERO, Usage::plus);
    }

    private Duration cap(Duration retryAfter) {
        return retryAfter.compareTo(policy.retryAfterCap()) > 0 ? policy.retryAfterCap() : retryAfter;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
