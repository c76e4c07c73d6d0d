package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Aggregated;
import dev.moa.engine.EarlyStopped;
import dev.moa.engine.ReferenceCut;
import dev.moa.engine.Attempt;
import dev.moa.engine.HedgeCopy;
import dev.moa.engine.LayerTrace;
import dev.moa.engine.MixResult;
import dev.moa.engine.OutputCheck;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.math.BigDecimal;
import java.util.List;

/**
 * The {@code moa} object of a response: the per-agent trace a client gets with {@code "moa": {"trace": true}};
 * {@code output_check} when the client asked for JSON ({@code response_format}); {@code cost_unpriced_calls} when
 * calls without a price left {@code usage.cost} partial (with or without the trace: it is not a field of OpenAI's
 * {@code usage}).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trace(String mix, @JsonProperty("latency_ms") Long latencyMs, List<LayerView> layers,
                    @JsonProperty("output_check") OutputCheckView outputCheck,
                    @JsonProperty("cost_unpriced_calls") Integer costUnpricedCalls,
                    Object limits) {

    public Trace(String mix, Long latencyMs, List<LayerView> layers, OutputCheckView outputCheck,
                 Integer costUnpricedCalls) {
        this(mix, latencyMs, layers, outputCheck, costUnpricedCalls, null);
    }

    /** With what the guards noted (the client key's limits: the estimate reserved, the cost settled). */
    public Trace withNotes(dev.moa.gateway.GuardNotes notes) {
        Object noted = notes.trace("limits");
        return noted == null ? this : new Trace(mix, latencyMs, layers, outputCheck, costUnpricedCalls, noted);
    }

    /** The trace a request asked for ({@code "moa": {"trace": true}}), with what the guards noted; else null. */
    public static Trace asked(boolean asked, String mix, MixResult result, dev.moa.gateway.GuardNotes notes) {
        return asked ? of(mix, result).withNotes(notes) : null;
    }

    /** The trace of a stream cut short: the layers that ran. */
    public static Trace of(String mix, long latencyMs, List<LayerTrace> layers) {
        List<LayerView> views = new java.util.ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            // What the next layer's budget did to this layer's answers shows on the answers themselves too.
            views.add(LayerView.of(layers.get(i), i + 1 < layers.size() ? layers.get(i + 1).references().cuts()
                    : List.of()));
        }
        return new Trace(mix, latencyMs, views, null, null);
    }

    /** The response's {@code moa}: the trace if asked for, with the count of unpriced calls when there were some. */
    public static Trace of(Trace trace, Usage usage) {
        Integer unpriced = usage.unpricedCalls() != null && usage.unpricedCalls() > 0 ? usage.unpricedCalls() : null;
        if (unpriced == null) {
            return trace;
        }
        return trace == null ? new Trace(null, null, null, null, unpriced)
                : new Trace(trace.mix(), trace.latencyMs(), trace.layers(), trace.outputCheck(), unpriced,
                        trace.limits());
    }

    public static Trace of(String mix, MixResult result) {
        Trace trace = of(mix, result.latency().toMillis(), result.layers());
        return new Trace(trace.mix(), trace.latencyMs(), trace.layers(),
                result.outputCheck().map(OutputCheckView::of).orElse(null), null);
    }

    /**
     * Whether the answer returned is the JSON asked for; {@code errors} what was wrong (first answer, then the
     * retry's); {@code retry} the one further aggregator call that asked for a corrected answer.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record OutputCheckView(String format, boolean valid, boolean retried, List<String> errors, AgentView retry) {

        static OutputCheckView of(OutputCheck check) {
            return new OutputCheckView(check.format(), check.valid(), check.retry().isPresent(), check.errors(),
                    check.retry().map(AgentView::of).orElse(null));
        }
    }

    /**
     * One layer: its calls; {@code references} when its budget truncated or dropped some, {@code overflow} when it
     * switched to sequential aggregation, {@code early_stop} when the mix stopped after it.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerView(List<AgentView> agents, List<ReferenceCutView> references, String overflow,
                            @JsonProperty("early_stop") EarlyStopView earlyStop) {

        static LayerView of(LayerTrace layer, List<ReferenceCut> cutByNextLayer) {
            List<ReferenceCutView> cuts = layer.references().cuts().stream().map(ReferenceCutView::of).toList();
            List<AgentView> agents = new java.util.ArrayList<>(layer.outcomes().size());
            int answer = 0;
            for (AgentOutcome outcome : layer.outcomes()) {
                AgentView view = AgentView.of(outcome);
                if (outcome instanceof AgentOutcome.Answered) {
                    int number = ++answer;
                    for (ReferenceCut cut : cutByNextLayer) {
                        if (cut.number() == number) {
                            view = view.asReference(cut);
                        }
                    }
                }
                agents.add(view);
            }
            return new LayerView(agents, cuts.isEmpty() ? null : cuts,
                    layer.references().switchedToSequential() ? "sequential" : null,
                    layer.earlyStop().map(EarlyStopView::of).orElse(null));
        }
    }

    /** What the budget did to one reference: truncated to {@code kept_tokens}, or dropped. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReferenceCutView(int reference, String agent, long tokens, @JsonProperty("kept_tokens") Long keptTokens,
                                   Boolean truncated, Boolean dropped) {

        static ReferenceCutView of(ReferenceCut cut) {
            boolean dropped = cut.kind() == ReferenceCut.Kind.DROPPED;
            return new ReferenceCutView(cut.number(), cut.source(), cut.tokens(), dropped ? null : cut.keptTokens(),
                    dropped ? null : true, dropped ? true : null);
        }
    }

    /** The layer's answers agreed: {@code agreeing} of {@code answers}, the returned one by {@code agent}. */
    @RegisterForReflection
    public record EarlyStopView(String when, int agreeing, int answers, String agent, Integer sample,
                                @JsonProperty("skipped_layers") int skippedLayers) {

        static EarlyStopView of(EarlyStopped stop) {
            AgentOutcome.Answered chosen = stop.chosen();
            return new EarlyStopView(stop.when().id(), stop.agreeing(), stop.answers(), chosen.agent().label(),
                    chosen.agent().samples() > 1 ? chosen.sample() : null, stop.skippedLayers());
        }
    }

    /** A ranking call: the agent's {@code reply}, the reference passed on, and why the reply was not used if not. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RankView(String reply, int chosen, String agent, String fallback) {
    }

    /** One step of a sequential synthesis: which references it was given, besides the running synthesis. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StepView(List<Integer> references, Boolean synthesis, @JsonProperty("latency_ms") long latencyMs,
                           Usage usage, String output, String reasoning) {
    }

    /**
     * One call: {@code output} when it answered, {@code error} when it did not; {@code cut} when the layer went
     * on without it. {@code attempts} lists every try, fallbacks included. {@code reference_truncated} is the
     * answer's estimated tokens when it was cut to the next layer's {@code max_reference_tokens} (the next layer
     * saw the cut text; {@code output} here is the whole answer).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgentView(String provider, String model, Integer sample, @JsonProperty("latency_ms") long latencyMs,
                            Usage usage, BigDecimal cost, @JsonProperty("cost_unknown") String costUnknown,
                            String output, String reasoning, RankView rank, List<StepView> steps,
                            String error, Boolean cut, List<AttemptView> attempts,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY)
                            @JsonProperty("tool_calls") List<ToolCallView> toolCalls,
                            @JsonProperty("reference_truncated") Long referenceTruncated,
                            @JsonProperty("reference_dropped") Boolean referenceDropped) {

        /** As the next layer received it: cut to its budget (the estimated tokens it had) or left out. */
        AgentView asReference(ReferenceCut cut) {
            boolean dropped = cut.kind() == ReferenceCut.Kind.DROPPED;
            return new AgentView(provider, model, sample, latencyMs, usage, cost, costUnknown, output, reasoning, rank,
                    steps, error, this.cut, attempts, toolCalls, dropped ? null : cut.tokens(), dropped ? true : null);
        }

        static AgentView of(AgentOutcome outcome) {
            Integer sample = outcome.agent().samples() > 1 ? outcome.sample() : null;
            long ms = outcome.latency().toMillis();
            List<AttemptView> attempts = outcome.attempts().stream().map(AttemptView::of).toList();
            String provider = outcome.agent().provider();
            String model = outcome.agent().model();
            if (outcome instanceof AgentOutcome.Answered a) {
                RankView rank = null;
                List<StepView> steps = null;
                if (a.how() instanceof Aggregated.Ranked r) {
                    rank = new RankView(r.reply().content(), r.chosen().number(), r.chosen().source(),
                            r.fallback().orElse(null));
                } else if (a.how() instanceof Aggregated.Stepped s) {
                    steps = steps(s);
                }
                // The full answer, reasoning included: what the next layer or the client got is cleaned of it.
                Usage usage = a.completion().usage();
                return new AgentView(provider, model, sample, ms, usage, usage.cost(), costUnknown(a),
                        a.completion().content(), a.completion().reasoning(), rank, steps, null, null, attempts,
                        a.completion().toolCalls().stream().map(ToolCallView::of).toList(), null, null);
            }
            // A cut call was cancelled before it reported usage; the provider may still bill what it generated.
            if (outcome instanceof AgentOutcome.Cut c) {
                return new AgentView(provider, model, sample, ms, Usage.ZERO, null,
                        "cut before it reported usage; not in usage.cost", null, null, null, null, c.reason(), true,
                        attempts, null, null, null);
            }
            // A failed call's last attempt answered nothing (providers do not bill errors); the steps of a sequential
            // synthesis that ran before it did, and count.
            AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
            Usage spent = f.spent();
            List<StepView> steps = f.before() instanceof Aggregated.Stepped s ? steps(s) : null;
            return new AgentView(provider, model, sample, ms, spent, steps == null ? BigDecimal.ZERO : spent.cost(),
                    null, null, null, null, steps, f.failure().getMessage(), null, attempts, null, null, null);
        }

        private static List<StepView> steps(Aggregated.Stepped stepped) {
            return stepped.steps().stream().map(step -> new StepView(step.references(),
                    step.withSynthesis() ? true : null, step.latency().toMillis(), step.completion().usage(),
                    step.completion().content(), step.completion().reasoning())).toList();
        }

        /** Names the model that answered (a fallback, perhaps) when its provider document has no price for it. */
        private static String costUnknown(AgentOutcome.Answered answered) {
            if (answered.completion().usage().cost() != null) {
                return null;
            }
            Attempt last = answered.attempts().isEmpty() ? null : answered.attempts().get(answered.attempts().size() - 1);
            String provider = last == null ? answered.agent().provider() : last.provider();
            String model = last == null ? answered.agent().model() : last.model();
            return "no price for model \"" + model + "\" in provider \"" + provider + "\"";
        }
    }

    /**
     * One try: who was called, how long it took, and the failure if it failed. A copy of a hedged call says so
     * ({@code hedged}) and {@code hedge} says which copy it was, when it was sent after the first, and whether it
     * won or was cancelled (with its input estimated: the provider never reports a cancelled call's usage).
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(String provider, String model, @JsonProperty("latency_ms") long latencyMs,
                              Integer status, String error, Boolean hedged, HedgeView hedge) {

        static AttemptView of(Attempt attempt) {
            Integer status = attempt.failure().map(UpstreamFailure::status).filter(s -> s > 0).orElse(null);
            return new AttemptView(attempt.provider(), attempt.model(), attempt.latency().toMillis(), status,
                    attempt.failure().map(Throwable::getMessage).orElse(null),
                    attempt.hedge().isPresent() ? true : null, attempt.hedge().map(HedgeView::of).orElse(null));
        }
    }

    /** One copy of a hedged call: 0 is the first request, 1.. the hedges. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HedgeView(int copy, @JsonProperty("started_after_ms") long startedAfterMs, Boolean won,
                            Boolean cancelled, @JsonProperty("estimated_prompt_tokens") Long estimatedPromptTokens) {

        static HedgeView of(HedgeCopy copy) {
            return new HedgeView(copy.copy(), copy.startedAfter().toMillis(), copy.won() ? true : null,
                    copy.cancelled() ? true : null, copy.cancelled() ? copy.estimatedPromptTokens() : null);
        }
    }
}
