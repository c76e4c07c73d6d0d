package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Layer;
import dev.moa.mix.Sampling;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a mix: each layer's calls concurrently, the answers of one layer as numbered references to the next,
 * the last layer's single agent (the aggregator) as the result. Plain Java and Mutiny; no container needed.
 */
public final class MixEngine {

    private final RetryPolicy policy;
    private final ReferenceInjector injector;

    public MixEngine(RetryPolicy policy, ReferenceInjector injector) {
        this.policy = policy;
        this.injector = injector;
    }

    public Uni<MixResult> run(MixRun run) {
        return Uni.createFrom().deferred(() -> runLayer(run, 0, List.of(), List.of(), System.nanoTime()));
    }

    private Uni<MixResult> runLayer(MixRun run, int index, List<Reference> references, List<LayerTrace> done,
                                    long startNanos) {
        Layer layer = run.mix().layers().get(index);
        boolean aggregator = index == run.mix().layers().size() - 1;
        List<Uni<AgentOutcome>> calls = new ArrayList<>(layer.calls());
        for (Agent agent : layer.agents()) {
            Sampling sampling = aggregator ? agent.sampling().orElse(run.clientSampling()) : agent.sampling();
            Upstream upstream = run.upstreams().get(agent.provider());
            for (int sample = 0; sample < agent.samples(); sample++) {
                CompletionCall call = new CompletionCall(agent.model(),
                        injector.messagesFor(agent, layer.references(), run.conversation(), references), sampling);
                calls.add(callAgent(agent, sample, call, upstream));
            }
        }
        return Uni.join().all(calls).andFailFast().chain(outcomes -> {
            LayerTrace trace = new LayerTrace(outcomes);
            List<LayerTrace> traces = new ArrayList<>(done);
            traces.add(trace);
            List<AgentOutcome.Answered> answers = trace.answers();
            if (answers.size() < layer.minSuccesses()) {
                return Uni.createFrom().failure(
                        new LayerFailedException(run.mix().name(), index, layer.minSuccesses(), traces));
            }
            if (aggregator) {
                Completion answer = answers.get(0).completion();
                return Uni.createFrom().item(new MixResult(answer,
                        traces.stream().map(LayerTrace::usage).reduce(Usage.ZERO, Usage::plus),
                        traces, Duration.ofNanos(System.nanoTime() - startNanos)));
            }
            List<Reference> next = answers.stream()
                    .map(a -> new Reference(a.completion().content(), a.agent().weight())).toList();
            return runLayer(run, index + 1, next, traces, startNanos);
        });
    }

    /** One agent call with timeout and retries; never fails, the outcome says what happened. */
    private Uni<AgentOutcome> callAgent(Agent agent, int sample, CompletionCall call, Upstream upstream) {
        Duration timeout = upstream.timeout().orElse(policy.attemptTimeout());
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        Uni<Completion> attempt = Uni.createFrom().deferred(() -> {
                    attempts.incrementAndGet();
                    return upstream.client().complete(call);
                })
                .ifNoItem().after(timeout).failWith(() -> UpstreamFailure.timeout(timeout))
                // An upstream that names its own wait (429/503 Retry-After) gets it, capped, before the backoff.
                .onFailure(f -> f instanceof UpstreamFailure u && u.retryable() && u.retryAfter().isPresent()
                        && attempts.get() <= policy.retries())
                .call(f -> Uni.createFrom().voidItem().onItem().delayIt().by(cap(((UpstreamFailure) f).retryAfter().get())));
        if (policy.retries() > 0) {
            attempt = attempt.onFailure(f -> f instanceof UpstreamFailure u && u.retryable())
                    .retry().withBackOff(policy.initialBackoff(), policy.maxBackoff()).withJitter(0.5)
                    .atMost(policy.retries());
        }
        return attempt
                .map(c -> (AgentOutcome) new AgentOutcome.Answered(agent, sample, since(start), attempts.get(), c))
                .onFailure().recoverWithItem(f -> new AgentOutcome.Failed(agent, sample, since(start), attempts.get(),
                        asUpstreamFailure(f)));
    }

    private Duration cap(Duration retryAfter) {
        return retryAfter.compareTo(policy.retryAfterCap()) > 0 ? policy.retryAfterCap() : retryAfter;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Mutiny wraps the last failure once retries are exhausted; the trace wants the upstream's own. */
    private static UpstreamFailure asUpstreamFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UpstreamFailure u) {
                return u;
            }
        }
        return new UpstreamFailure(UpstreamFailure.Kind.CONNECTION, 0, "call failed: " + failure.getClass().getSimpleName(), null);
    }
}
