package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Aggregate;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Hedge;
import dev.moa.mix.Layer;
import dev.moa.mix.Sampling;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.Message;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs a mix: each layer's calls concurrently, the answers of one layer as numbered references to the next,
 * the last layer's single agent (the aggregator) as the result. Plain Java and Mutiny; no container needed.
 *
 * <p>Each layer first prepares the references it receives (reasoning removed unless it keeps it, then its token
 * budget), each of its calls then combines them as its {@link Aggregation} mode says (synthesize, rank,
 * sequential), and an {@code early_stop} rule may end the mix after it when its answers agree.
 *
 * <p>Time: the request has a budget; each layer gets an equal share of what is left for it and the layers
 * after it, so a fast layer leaves more time to later ones. No attempt outlives its layer's budget.
 *
 * <p>Streaming ({@link #stream}): the proposer layers run as above; a synthesizing aggregator's answer is then
 * passed on as it is written ({@link AggregatorStream}). Answers that must be complete before they can be given —
 * JSON the client asked for, a rank or sequential aggregator, an early stop — go out whole.
 *
 * <p>Structured output: when the client asked for JSON and the aggregator's answer is not what it asked for, the
 * aggregator is asked once more, with the error, within what is left of the budget.
 *
 * <p>Observers ({@link MixListener}) hear of every layer, call and attempt as it starts and ends: the run's own
 * (progress events) and those the engine is made with (traces).
 */
public final class MixEngine {

    private final RetryPolicy policy;
    private final ReferenceInjector injector;
    private final StructuredOutput structuredOutput = new StructuredOutput();
    private final AggregatorStream aggregatorStream;
    private final MixListener.Factory observers;
    private final Hedging hedging;

    /** An engine with its own latency window, hedging on Mutiny's timers. */
    public MixEngine(RetryPolicy policy, ReferenceInjector injector) {
        this(policy, injector, new Hedging(new LatencyWindow()));
    }

    public MixEngine(RetryPolicy policy, ReferenceInjector injector, Hedging hedging) {
        this(policy, injector, hedging, MixListener.Factory.NONE);
    }

    /** @param observers make each run's own observers (a tracer's), heard beside the run's listener */
    public MixEngine(RetryPolicy policy, ReferenceInjector injector, Hedging hedging,
                     MixListener.Factory observers) {
        this.policy = policy;
        this.injector = injector;
        this.hedging = hedging;
        this.aggregatorStream = new AggregatorStream(policy, injector, hedging);
        this.observers = observers;
    }

    public Uni<MixResult> run(MixRun run) {
        return Uni.createFrom().deferred(() -> {
            MixRun observed = observed(run);
            return ended(observed, runWhole(observed));
        });
    }

    private Uni<MixResult> runWhole(MixRun run) {
        long start = System.nanoTime();
        return runLayer(run, 0, List.of(), List.of(), start, start + run.budget().toNanos(), false)
                .map(progress -> ((Progress.Done) progress).result());
    }

    /** The run with every observer of it as its listener, told that it starts. */
    private MixRun observed(MixRun run) {
        MixRun observed = run.withListener(MixListener.of(observers.forRun(run), run.listener()));
        observed.listener().mixStarted(observed);
        return observed;
    }

    /** Tells the run's listener how the whole answer ended. */
    private static Uni<MixResult> ended(MixRun run, Uni<MixResult> result) {
        return result.onItemOrFailure().invoke((done, failure) -> {
                    if (failure == null) {
                        run.listener().mixDone(done, false);
                    } else {
                        run.listener().mixFailed(failure);
                    }
                })
                .onCancellation().invoke(() -> run.listener().mixFailed(new CancellationException("cancelled")));
    }

    /**
     * The same run for a client that streams: the proposer layers as in {@link #run}, then the aggregator's answer
     * as it is written. Fails like {@link #run} when a proposer layer does.
     */
    public Uni<StreamedMix> stream(MixRun run) {
        Layer last = run.mix().layers().get(run.mix().layers().size() - 1);
        if (structuredOutput.requested(last.agents().get(0).options().orElse(run.clientOptions()))
                || !(last.aggregate() instanceof Aggregate.Synthesize)) {
            // A JSON answer is checked (maybe asked again), a ranked or sequential one is chosen or built in steps:
            // none can go out as it is written.
            return run(run).map(MixEngine::whole);
        }
        return Uni.createFrom().deferred(() -> {
            MixRun observed = observed(run);
            long start = System.nanoTime();
            long deadline = start + run.budget().toNanos();
            return runLayer(observed, 0, List.of(), List.of(), start, deadline, true).map(progress -> {
                        if (progress instanceof Progress.Done done) {
                            observed.listener().mixDone(done.result(), false);
                            return whole(done.result()); // an early stop: the answer exists already
                        }
                        Progress.AtAggregator at = (Progress.AtAggregator) progress;
                        return new StreamedMix(at.traces(), streamEnded(observed, aggregatorStream.answer(observed,
                                at.turn(), at.references(), at.traces(), start, deadline)));
                    })
                    .onFailure().invoke(failure -> observed.listener().mixFailed(failure))
                    .onCancellation().invoke(() -> observed.listener().mixFailed(
                            new CancellationException("cancelled")));
        });
    }

    /** Tells the run's listener how a streamed answer ended: complete, interrupted, failed or cancelled. */
    private static Multi<AnswerEvent> streamEnded(MixRun run, Multi<AnswerEvent> answer) {
        AtomicBoolean told = new AtomicBoolean();
        return answer.onItem().invoke(event -> {
                    if (event instanceof AnswerEvent.Completed completed && told.compareAndSet(false, true)) {
                        run.listener().mixDone(completed.result(), false);
                    } else if (event instanceof AnswerEvent.Interrupted cut && told.compareAndSet(false, true)) {
                        run.listener().mixDone(cut.partial(), true);
                    }
                })
                .onFailure().invoke(failure -> {
                    if (told.compareAndSet(false, true)) {
                        run.listener().mixFailed(failure);
                    }
                })
                .onCancellation().invoke(() -> {
                    if (told.compareAndSet(false, true)) {
                        run.listener().mixFailed(new CancellationException("cancelled"));
                    }
                });
    }

    private static StreamedMix whole(MixResult result) {
        return new StreamedMix(result.layers().subList(0, result.layers().size() - 1),
                Multi.createFrom().iterable(AggregatorStream.whole(result)));
    }

    /** Where the layers got to: the mix's result, or (streaming) the aggregator's call, prepared but not made. */
    private sealed interface Progress {
        record Done(MixResult result) implements Progress {
        }

        record AtAggregator(AgentTurn turn, PreparedReferences references, List<LayerTrace> traces)
                implements Progress {
        }
    }

    private Uni<Progress> runLayer(MixRun run, int index, List<AgentOutcome.Answered> previous,
                                   List<LayerTrace> done, long startNanos, long deadlineNanos,
                                   boolean streamAggregator) {
        List<Layer> layers = run.mix().layers();
        Layer layer = layers.get(index);
        boolean aggregator = index == layers.size() - 1;
        long now = System.nanoTime();
        long layerEnd = now + Math.max(0, deadlineNanos - now) / (layers.size() - index);
        List<Reference> unbudgeted = asReferences(previous, layer.keepReasoning());
        PreparedReferences references = ReferenceBudgeter.apply(layer.budget(), unbudgeted);
        Aggregation aggregation = Aggregation.forLayer(layer, references, injector);
        ToolRendering tools = ToolRendering.forLayer(layer, aggregator, run.clientOptions());
        if (aggregator && streamAggregator && aggregation instanceof Synthesis) {
            run.listener().layerStarted(index, 1);
            return Uni.createFrom().item(new Progress.AtAggregator(new AgentTurn(layer.agents().get(0),
                    run.conversation(), layer.references(), references.references(), unbudgeted, run.clientSampling(),
                    layer.keepReasoning(), tools), references, done));
        }
        List<LayerCollector.PendingCall> calls = new ArrayList<>(layer.calls());
        List<AgentTurn> turns = new ArrayList<>(layer.calls());
        run.listener().layerStarted(index, layer.calls());
        for (Agent agent : layer.agents()) {
            for (int sample = 0; sample < agent.samples(); sample++) {
                AgentTurn turn = new AgentTurn(agent, run.conversation(), layer.references(), references.references(),
                        unbudgeted, aggregator ? run.clientSampling() : Sampling.NONE, layer.keepReasoning(), tools);
                turns.add(turn);
                calls.add(call(run, index, calls.size(), turn, sample, aggregation, layerEnd, List.of()));
            }
        }
        LayerCollector collector = new LayerCollector(calls, layer.minSuccesses(), layer.stragglerGrace(),
                Duration.ofNanos(layerEnd - now), (call, outcome) -> run.listener().callDone(index, call, outcome));
        return collector.collect().chain(end -> {
            LayerTrace trace = new LayerTrace(end.outcomes(), references, Optional.empty());
            run.listener().layerDone(index, trace);
            List<AgentOutcome.Answered> answers = trace.answers();
            if (answers.size() < layer.minSuccesses()) {
                List<LayerTrace> traces = append(done, trace);
                return Uni.createFrom().failure(new LayerFailedException(run.mix().name(), index,
                        layer.minSuccesses(), traces, end.budgetExpired() || trace.ranOutOfTime()));
            }
            if (aggregator) {
                AgentOutcome.Answered answer = answers.get(0);
                // Only a synthesized answer is asked again for valid JSON: a ranked one is a reference, verbatim.
                return result(run, answer, turns.get(0), answer.how() instanceof Aggregated.Direct,
                        append(done, trace), startNanos, deadlineNanos, index, layer.calls()).map(Progress.Done::new);
            }
            Optional<EarlyStopped> stop = layer.earlyStop()
                    .flatMap(rule -> Agreement.check(rule, answers, layers.size() - index - 1));
            if (stop.isPresent()) {
                return result(run, stop.get().chosen(), null, false, append(done, trace.stoppedEarly(stop.get())),
                        startNanos, deadlineNanos, index, layer.calls()).map(Progress.Done::new);
            }
            return runLayer(run, index + 1, answers, append(done, trace), startNanos, deadlineNanos,
                    streamAggregator);
        });
    }

    /** The previous layer's answers as this layer receives them: numbered, reasoning removed unless kept. */
    private static List<Reference> asReferences(List<AgentOutcome.Answered> answers, boolean keepReasoning) {
        List<Reference> references = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            AgentOutcome.Answered a = answers.get(i);
            references.add(new Reference(Reasoning.asReference(a.completion(), keepReasoning), a.agent().weight(),
                    a.completion().finishReason(), i + 1, a.agent().label()));
        }
        return references;
    }

    /** The response: the answer without any reasoning, checked as the client asked, usage over every call made. */
    private Uni<MixResult> result(MixRun run, AgentOutcome.Answered answer, AgentTurn retryTurn, boolean mayRetry,
                                  List<LayerTrace> traces, long startNanos, long deadlineNanos, int layer,
                                  int retryIndex) {
        return checkOutput(run, answer.agent(), Reasoning.clean(answer.completion()), retryTurn, mayRetry,
                deadlineNanos, layer, retryIndex)
                .map(checked -> {
                    Usage usage = checked.retryUsage();
                    for (LayerTrace trace : traces) {
                        usage = usage.plus(trace.usage());
                    }
                    return new MixResult(checked.answer(), usage, traces,
                            Duration.ofNanos(System.nanoTime() - startNanos), checked.check());
                });
    }

    private static List<LayerTrace> append(List<LayerTrace> done, LayerTrace trace) {
        List<LayerTrace> traces = new ArrayList<>(done);
        traces.add(trace);
        return traces;
    }

    private record Checked(Completion answer, Optional<OutputCheck> check, Usage retryUsage) {
    }

    /**
     * The answer, checked against the JSON format the client asked for; a synthesized answer that fails is asked
     * for once more ({@code mayRetry}), with the error, within what is left of the budget.
     */
    private Uni<Checked> checkOutput(MixRun run, Agent agent, Completion answer, AgentTurn turn, boolean mayRetry,
                                     long deadlineNanos, int layer, int retryIndex) {
        CallOptions options = agent.options().orElse(run.clientOptions());
        Optional<String> format = structuredOutput.format(options, answer);
        if (format.isEmpty()) {
            return Uni.createFrom().item(new Checked(answer, Optional.empty(), Usage.ZERO));
        }
        Optional<String> problem = structuredOutput.problem(options, answer);
        if (problem.isEmpty() || !mayRetry) {
            return Uni.createFrom().item(new Checked(answer, Optional.of(new OutputCheck(format.get(),
                    problem.map(List::of).orElse(List.of()), Optional.empty(), problem.isEmpty())), Usage.ZERO));
        }
        long now = System.nanoTime();
        LayerCollector retry = new LayerCollector(List.of(call(run, layer, retryIndex, turn, 0,
                new Synthesis(injector), deadlineNanos, structuredOutput.followUp(answer, problem.get()))), 1,
                Optional.empty(), Duration.ofNanos(Math.max(0, deadlineNanos - now)),
                (call, outcome) -> run.listener().callDone(layer, retryIndex, outcome));
        return retry.collect().map(end -> {
            AgentOutcome outcome = end.outcomes().get(0);
            List<String> errors = new ArrayList<>(List.of(problem.get()));
            if (!(outcome instanceof AgentOutcome.Answered second)) {
                errors.add("the retry got no answer");
                return new Checked(answer, Optional.of(new OutputCheck(format.get(), errors, Optional.of(outcome),
                        false)), Usage.ZERO);
            }
            // The retry's answer is returned as the provider gave it (minus reasoning), valid or not; the check
            // says which.
            Completion again = Reasoning.clean(second.completion());
            Optional<String> still = structuredOutput.format(options, again)
                    .flatMap(f -> structuredOutput.problem(options, again));
            still.ifPresent(errors::add);
            return new Checked(again, Optional.of(new OutputCheck(format.get(), errors,
                    Optional.of(outcome), still.isEmpty())), second.completion().usage());
        });
    }

    /**
     * One call of one agent: its aggregation mode asks it once or more, each time the agent, then each fallback
     * in order, each with its own retries. {@code followUp} turns go after the agent's messages (the
     * structured-output retry).
     */
    private LayerCollector.PendingCall call(MixRun run, int layer, int index, AgentTurn turn, int sample,
                                            Aggregation aggregation, long layerEnd, List<Message> followUp) {
        Agent agent = turn.agent();
        List<Attempt> log = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        AgentCall ask = (tools, messagesFor, samplingFor) -> {
            Function<Agent, CompletionCall> callFor = candidate -> new CompletionCall(candidate.model(),
                    withFollowUp(messagesFor.apply(candidate), followUp), samplingFor.apply(candidate),
                    tools.options(candidate.options()));
            Uni<Completion> chain = null;
            Attempts tries = new Attempts(layer, index, agent);
            for (Agent candidate : agent.candidates()) {
                // Only the agent's own first request may be hedged; fallbacks keep their own rules.
                Optional<Hedge> hedge = chain == null ? agent.hedge() : Optional.empty();
                Uni<Completion> attempts = Uni.createFrom().deferred(() -> withRetries(run, candidate, callFor, hedge,
                        agent, log, layerEnd, tries));
                chain = chain == null ? attempts : chain.onFailure().recoverWithUni(() -> attempts);
            }
            return chain;
        };
        Uni<AgentOutcome> outcome = Uni.createFrom().deferred(() -> {
                    run.listener().callStarted(layer, index, agent);
                    return aggregation.answer(turn, ask);
                })
                .map(r -> (AgentOutcome) new AgentOutcome.Answered(agent, sample, since(start), log, r.completion(),
                        r.how()))
                .onFailure().recoverWithItem(f -> new AgentOutcome.Failed(agent, sample, since(start), log,
                        asUpstreamFailure(f), f instanceof SequentialSynthesis.Interrupted i ? i.ran()
                        : Aggregated.DIRECT));
        return new LayerCollector.PendingCall(outcome,
                reason -> new AgentOutcome.Cut(agent, sample, since(start), log, reason));
    }

    /**
     * Where a call's attempts belong, for the listener: its layer and place, and how many tries each candidate
     * (the agent, its fallbacks) has made so far. A hedge's copies are not tries of their own: they share the try
     * they race in.
     */
    static final class Attempts {
        final int layer;
        final int index;
        private final Agent agent;
        private final List<Agent> candidates;
        private final AtomicInteger[] made;

        Attempts(int layer, int index, Agent agent) {
            this.layer = layer;
            this.index = index;
            this.agent = agent;
            this.candidates = agent.candidates();
            this.made = new AtomicInteger[candidates.size()];
            for (int i = 0; i < made.length; i++) {
                made[i] = new AtomicInteger();
            }
        }

        /**
         * Tells the listener a request starts; the answer is what to tell it of the request's end.
         *
         * @param hedge 0 for a try's own request, 1, 2... for the hedges raced against it
         */
        MixListener.AttemptListener start(MixRun run, Agent candidate, int hedge, CompletionCall call) {
            int place = 0;
            while (place < candidates.size() - 1 && candidates.get(place) != candidate) {
                place++;
            }
            int retry = hedge == 0 ? made[place].getAndIncrement() : Math.max(0, made[place].get() - 1);
            return run.listener().attemptStarted(layer, index, candidate, candidate != agent, retry, hedge, call);
        }
    }

    private Uni<Completion> withRetries(MixRun run, Agent candidate, Function<Agent, CompletionCall> callFor,
                                        Optional<Hedge> hedge, Agent agent, List<Attempt> log, long layerEnd,
                                        Attempts tries) {
        int retries = candidate.retries() != null ? candidate.retries() : policy.retries();
        CompletionCall call = callFor.apply(candidate);
        AtomicBoolean firstTry = new AtomicBoolean(true);
        Uni<Completion> attempt = Uni.createFrom().deferred(() -> {
            long begin = System.nanoTime();
            if (layerEnd - begin <= 0) {
                UpstreamFailure noTime = UpstreamFailure.deadline();
                log.add(new Attempt(candidate.provider(), candidate.model(), Duration.ZERO, Optional.of(noTime)));
                return Uni.createFrom().failure(noTime);
            }
            // A retry is a call that already failed: only the first try is hedged.
            if (firstTry.getAndSet(false) && hedge.isPresent()) {
                Agent target = hedge.get().to() == Hedge.Target.FALLBACK ? agent.fallbacks().get(0) : candidate;
                CompletionCall targetCall = target == candidate ? call : callFor.apply(target);
                // Each copy is a request of its own for the listener (a span each), numbered in the order sent.
                AtomicInteger copies = new AtomicInteger(1);
                Optional<Uni<Completion>> raced = hedging.answer(hedge.get(),
                        copy(run, candidate, call, layerEnd, () -> tries.start(run, candidate, 0, call)),
                        copy(run, target, targetCall, layerEnd,
                                () -> tries.start(run, target, copies.getAndIncrement(), targetCall)),
                        layerEnd, log::add);
                if (raced.isPresent()) {
                    return raced.get();
                }
            }
            return send(run, candidate, call, layerEnd, tries.start(run, candidate, 0, call))
                    .onItemOrFailure().invoke((item, failure) -> {
                        Duration latency = since(begin);
                        log.add(new Attempt(candidate.provider(), candidate.model(), latency,
                                Optional.ofNullable(failure).map(MixEngine::asUpstreamFailure)));
                        if (failure == null) {
                            hedging.latencies().record(candidate.provider(), candidate.model(),
                                    LatencyWindow.Measure.ANSWER, latency);
                        }
                    });
        });
        if (retries == 0) {
            return attempt;
        }
        int[] retried = {0};
        return attempt
                // An upstream that names its own wait (429/503 Retry-After) gets it, capped, before the backoff;
                // "0" means no extra wait (Mutiny refuses a zero delay, so there is none to arm).
                .onFailure(f -> f instanceof UpstreamFailure u && u.retryable()
                        && u.retryAfter().filter(d -> !d.isZero() && !d.isNegative()).isPresent()
                        && retried[0] < retries)
                .call(f -> Uni.createFrom().voidItem().onItem().delayIt()
                        .by(cap(((UpstreamFailure) f).retryAfter().get())))
                .onFailure().invoke(() -> retried[0]++)
                .onFailure(f -> f instanceof UpstreamFailure u && u.retryable())
                .retry().withBackOff(policy.initialBackoff(), policy.maxBackoff()).withJitter(0.5).atMost(retries);
    }

    /** One request of a hedged call, to {@code candidate}; {@code observer} is asked for as it is sent. */
    private Hedging.Copy<Completion> copy(MixRun run, Agent candidate, CompletionCall call, long layerEnd,
                                          Supplier<MixListener.AttemptListener> observer) {
        Upstream upstream = run.upstreams().get(candidate.provider());
        return new Hedging.Copy<>(candidate.provider(), candidate.model(),
                () -> send(run, candidate, call, layerEnd, observer.get()).toMulti(),
                Hedging.estimatedPromptTokens(call), upstream.pricing().priceOf(candidate.model()));
    }

    /**
     * One request to one candidate: redacted, priced, and bounded by its timeout when that is shorter than what
     * is left of the layer (else the layer's collector cuts it at its end). It carries the observer's headers
     * (trace context), and the observer hears how it ended: answered, failed, or cancelled (cut, or a hedge lost).
     */
    private Uni<Completion> send(MixRun run, Agent candidate, CompletionCall call, long layerEnd,
                                 MixListener.AttemptListener observer) {
        Upstream upstream = run.upstreams().get(candidate.provider());
        Duration configured = candidate.timeout().or(upstream::timeout).orElse(policy.attemptTimeout());
        Duration left = Duration.ofNanos(layerEnd - System.nanoTime());
        // The one point every answer and failure passes: redacted here, before anything else sees it. One operator
        // per step (checked, redacted, priced): each costs a subscription and a context capture per call.
        Uni<Completion> completion = upstream.client().complete(call.withHeaders(observer.headers()))
                .map(answer -> priced(run.redactor().redact(UnofferedToolCalls.check(call, answer)), upstream,
                        candidate.model()))
                .onFailure(UpstreamFailure.class).transform(f -> run.redactor().redact((UpstreamFailure) f));
        if (configured.compareTo(left) < 0) {
            completion = completion.ifNoItem().after(configured).failWith(() -> UpstreamFailure.timeout(configured));
        }
        return completion
                .onItemOrFailure().invoke((item, failure) -> {
                    if (failure == null) {
                        observer.answered(item);
                    } else {
                        observer.failed(asUpstreamFailure(failure));
                    }
                })
                .onCancellation().invoke(observer::cancelled);
    }

    private static List<Message> withFollowUp(List<Message> messages, List<Message> followUp) {
        if (followUp.isEmpty()) {
            return messages;
        }
        List<Message> all = new ArrayList<>(messages);
        all.addAll(followUp);
        return all;
    }

    /** The call's cost from its usage and the provider's price for the model; unknown (never zero) without one. */
    static Completion priced(Completion completion, Upstream upstream, String model) {
        return completion.withUsage(completion.usage().pricedBy(upstream.pricing().priceOf(model)));
    }

    private Duration cap(Duration retryAfter) {
        return retryAfter.compareTo(policy.retryAfterCap()) > 0 ? policy.retryAfterCap() : retryAfter;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Mutiny wraps the last failure once retries are exhausted; the trace wants the upstream's own. */
    static UpstreamFailure asUpstreamFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UpstreamFailure u) {
                return u;
            }
        }
        return new UpstreamFailure(UpstreamFailure.Kind.CONNECTION, 0,
                "call failed: " + failure.getClass().getSimpleName(), null);
    }
}
