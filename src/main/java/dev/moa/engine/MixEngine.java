package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.CallOptions;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs a mix: each layer's calls concurrently, the answers of one layer as numbered references to the next,
 * the last layer's single agent (the aggregator) as the result. Plain Java and Mutiny; no container needed.
 *
 * <p>Time: the request has a budget; each layer gets an equal share of what is left for it and the layers
 * after it, so a fast layer leaves more time to later ones. No attempt outlives its layer's budget.
 *
 * <p>Structured output: when the client asked for JSON and the aggregator's answer is not what it asked for, the
 * aggregator is asked once more, with the error, within what is left of the budget.
 */
public final class MixEngine {

    private final RetryPolicy policy;
    private final ReferenceInjector injector;
    private final StructuredOutput structuredOutput = new StructuredOutput();
    private final AggregatorStream aggregatorStream;

    public MixEngine(RetryPolicy policy, ReferenceInjector injector) {
        this.policy = policy;
        this.injector = injector;
        this.aggregatorStream = new AggregatorStream(policy, injector);
    }

    public Uni<MixResult> run(MixRun run) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            long deadline = start + run.budget().toNanos();
            int last = run.mix().layers().size() - 1;
            Layer layer = run.mix().layers().get(last);
            return runLayers(run, 0, last, List.of(), List.of(), start, deadline)
                    .chain(proposed -> runLayers(run, last, last + 1, proposed.references(), proposed.traces(), start,
                            deadline)
                            .chain(done -> {
                                List<LayerTrace> traces = done.traces();
                                return checkOutput(run, layer, traces.get(last).answers().get(0),
                                        proposed.references(), deadline)
                                        .map(checked -> new MixResult(checked.answer(),
                                                traces.stream().map(LayerTrace::usage)
                                                        .reduce(checked.retryUsage(), Usage::plus),
                                                traces, Duration.ofNanos(System.nanoTime() - start), checked.check()));
                            }));
        });
    }

    /**
     * The same run for a client that streams: the proposer layers as in {@link #run}, then the aggregator's answer
     * as it is written. Fails like {@link #run} when a proposer layer does.
     */
    public Uni<StreamedMix> stream(MixRun run) {
        Layer aggregator = run.mix().layers().get(run.mix().layers().size() - 1);
        if (structuredOutput.requested(aggregator.agents().get(0).options().orElse(run.clientOptions()))) {
            // A JSON answer is checked (and maybe asked again) before it is sent: it cannot go out as it is written.
            return run(run).map(result -> new StreamedMix(result.layers().subList(0, result.layers().size() - 1),
                    Multi.createFrom().iterable(AggregatorStream.whole(result))));
        }
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            long deadline = start + run.budget().toNanos();
            int proposerLayers = run.mix().layers().size() - 1;
            return runLayers(run, 0, proposerLayers, List.of(), List.of(), start, deadline)
                    .map(done -> new StreamedMix(done.traces(),
                            aggregatorStream.answer(run, done.references(), done.traces(), start, deadline)));
        });
    }

    /** What layers {@code [0, end)} produced: their traces and the answers the next layer gets as references. */
    private record LayersDone(List<LayerTrace> traces, List<Reference> references) {
    }

    private Uni<LayersDone> runLayers(MixRun run, int index, int end, List<Reference> references,
                                      List<LayerTrace> done, long startNanos, long deadlineNanos) {
        if (index == end) {
            return Uni.createFrom().item(new LayersDone(done, references));
        }
        List<Layer> layers = run.mix().layers();
        Layer layer = layers.get(index);
        boolean aggregator = index == layers.size() - 1;
        long now = System.nanoTime();
        long layerEnd = now + Math.max(0, deadlineNanos - now) / (layers.size() - index);
        List<LayerCollector.PendingCall> calls = new ArrayList<>(layer.calls());
        for (Agent agent : layer.agents()) {
            for (int sample = 0; sample < agent.samples(); sample++) {
                calls.add(call(run, layer, agent, sample, references, aggregator, layerEnd, List.of()));
            }
        }
        LayerCollector collector = new LayerCollector(calls, layer.minSuccesses(), layer.stragglerGrace(),
                Duration.ofNanos(layerEnd - now));
        return collector.collect().chain(ended -> {
            LayerTrace trace = new LayerTrace(ended.outcomes());
            List<LayerTrace> traces = new ArrayList<>(done);
            traces.add(trace);
            List<AgentOutcome.Answered> answers = trace.answers();
            if (answers.size() < layer.minSuccesses()) {
                return Uni.createFrom().failure(new LayerFailedException(run.mix().name(), index,
                        layer.minSuccesses(), traces, ended.budgetExpired() || trace.ranOutOfTime()));
            }
            if (index + 1 == layers.size()) {
                // The aggregator's layer: its answer is the result, no layer gets it as a reference.
                return runLayers(run, index + 1, end, List.of(), traces, startNanos, deadlineNanos);
            }
            int limit = layers.get(index + 1).maxReferenceTokens();
            List<Reference> next = new ArrayList<>(answers.size());
            Map<Integer, Long> truncated = new HashMap<>();
            for (int i = 0; i < trace.outcomes().size(); i++) {
                if (trace.outcomes().get(i) instanceof AgentOutcome.Answered a) {
                    ReferenceCap.Capped capped = ReferenceCap.apply(ToolRendering.asReference(a.completion()),
                            a.agent().weight(), limit);
                    next.add(capped.reference());
                    if (capped.truncated()) {
                        truncated.put(i, capped.originalTokens());
                    }
                }
            }
            if (!truncated.isEmpty()) {
                traces.set(traces.size() - 1, trace.withTruncatedReferences(truncated));
            }
            return runLayers(run, index + 1, end, next, traces, startNanos, deadlineNanos);
        });
    }

    private record Checked(Completion answer, Optional<OutputCheck> check, Usage retryUsage) {
    }

    /** The aggregator's answer, checked against the JSON format the client asked for; retried once if it fails. */
    private Uni<Checked> checkOutput(MixRun run, Layer layer, AgentOutcome.Answered aggregator,
                                     List<Reference> references, long deadlineNanos) {
        Completion answer = aggregator.completion();
        CallOptions options = aggregator.agent().options().orElse(run.clientOptions());
        Optional<String> format = structuredOutput.format(options, answer);
        if (format.isEmpty()) {
            return Uni.createFrom().item(new Checked(answer, Optional.empty(), Usage.ZERO));
        }
        Optional<String> problem = structuredOutput.problem(options, answer);
        if (problem.isEmpty()) {
            return Uni.createFrom().item(new Checked(answer,
                    Optional.of(new OutputCheck(format.get(), List.of(), Optional.empty(), true)), Usage.ZERO));
        }
        long now = System.nanoTime();
        LayerCollector retry = new LayerCollector(List.of(call(run, layer, aggregator.agent(), 0, references, true,
                deadlineNanos, structuredOutput.followUp(answer, problem.get()))), 1, Optional.empty(),
                Duration.ofNanos(Math.max(0, deadlineNanos - now)));
        return retry.collect().map(end -> {
            AgentOutcome outcome = end.outcomes().get(0);
            List<String> errors = new ArrayList<>(List.of(problem.get()));
            if (!(outcome instanceof AgentOutcome.Answered second)) {
                errors.add("the retry got no answer");
                return new Checked(answer, Optional.of(new OutputCheck(format.get(), errors, Optional.of(outcome),
                        false)), Usage.ZERO);
            }
            // The retry's answer is returned as the provider gave it, valid or not; the check says which.
            Optional<String> again = structuredOutput.format(options, second.completion())
                    .flatMap(f -> structuredOutput.problem(options, second.completion()));
            again.ifPresent(errors::add);
            return new Checked(second.completion(), Optional.of(new OutputCheck(format.get(), errors,
                    Optional.of(outcome), again.isEmpty())), second.completion().usage());
        });
    }

    /**
     * One call of one agent: the agent, then each fallback in order, each with its own retries. {@code followUp}
     * turns go after the agent's messages (the structured-output retry).
     */
    private LayerCollector.PendingCall call(MixRun run, Layer layer, Agent agent, int sample,
                                            List<Reference> references, boolean aggregator, long layerEnd,
                                            List<Message> followUp) {
        List<Attempt> log = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        ToolRendering tools = ToolRendering.forLayer(layer, aggregator, run.clientOptions());
        Uni<Completion> chain = null;
        for (Agent candidate : agent.candidates()) {
            Sampling sampling = aggregator ? candidate.sampling().orElse(run.clientSampling()) : candidate.sampling();
            Upstream upstream = run.upstreams().get(candidate.provider());
            Uni<Completion> attempts = Uni.createFrom().deferred(() -> withRetries(run, candidate, new CompletionCall(
                    candidate.model(), withFollowUp(injector.messagesFor(candidate, layer.references(), tools,
                    run.conversation(), references), followUp), sampling, tools.options(candidate.options())),
                    upstream, log, layerEnd)
                    .map(c -> priced(c, upstream, candidate.model())));
            chain = chain == null ? attempts : chain.onFailure().recoverWithUni(() -> attempts);
        }
        Uni<AgentOutcome> outcome = chain
                .map(c -> (AgentOutcome) new AgentOutcome.Answered(agent, sample, since(start), log, c))
                .onFailure().recoverWithItem(f -> new AgentOutcome.Failed(agent, sample, since(start), log,
                        asUpstreamFailure(f)));
        return new LayerCollector.PendingCall(outcome,
                reason -> new AgentOutcome.Cut(agent, sample, since(start), log, reason));
    }

    private Uni<Completion> withRetries(MixRun run, Agent candidate, CompletionCall call, Upstream upstream,
                                        List<Attempt> log, long layerEnd) {
        int retries = candidate.retries() != null ? candidate.retries() : policy.retries();
        Duration configured = candidate.timeout().or(upstream::timeout).orElse(policy.attemptTimeout());
        Uni<Completion> attempt = Uni.createFrom().deferred(() -> {
            long begin = System.nanoTime();
            Duration left = Duration.ofNanos(layerEnd - begin);
            if (left.isNegative() || left.isZero()) {
                UpstreamFailure noTime = UpstreamFailure.deadline();
                log.add(new Attempt(candidate.provider(), candidate.model(), Duration.ZERO, Optional.of(noTime)));
                return Uni.createFrom().failure(noTime);
            }
            // The one point every answer and failure passes: redacted here, before anything else sees it.
            Uni<Completion> completion = upstream.client().complete(call)
                    .map(run.redactor()::redact)
                    .onFailure(UpstreamFailure.class).transform(f -> run.redactor().redact((UpstreamFailure) f));
            // A timeout longer than the budget left is not armed: the layer's collector cuts the call at its end.
            if (configured.compareTo(left) < 0) {
                completion = completion.ifNoItem().after(configured).failWith(() -> UpstreamFailure.timeout(configured));
            }
            return completion
                    .onItemOrFailure().invoke((item, failure) -> log.add(new Attempt(candidate.provider(),
                            candidate.model(), since(begin), Optional.ofNullable(failure).map(MixEngine::asUpstreamFailure))));
        });
        if (retries == 0) {
            return attempt;
        }
        int[] tries = {0};
        return attempt
                // An upstream that names its own wait (429/503 Retry-After) gets it, capped, before the backoff;
                // "0" means no extra wait (Mutiny refuses a zero delay, so there is none to arm).
                .onFailure(f -> f instanceof UpstreamFailure u && u.retryable()
                        && u.retryAfter().filter(d -> !d.isZero() && !d.isNegative()).isPresent()
                        && tries[0] < retries)
                .call(f -> Uni.createFrom().voidItem().onItem().delayIt()
                        .by(cap(((UpstreamFailure) f).retryAfter().get())))
                .onFailure().invoke(() -> tries[0]++)
                .onFailure(f -> f instanceof UpstreamFailure u && u.retryable())
                .retry().withBackOff(policy.initialBackoff(), policy.maxBackoff()).withJitter(0.5).atMost(retries);
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
