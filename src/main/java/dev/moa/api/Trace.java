package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Attempt;
import dev.moa.engine.LayerTrace;
import dev.moa.engine.MixResult;
import dev.moa.engine.OutputCheck;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.math.BigDecimal;
import java.util.List;

/**
 * The per-agent trace a client gets with {@code "moa": {"trace": true}}; {@code output_check} when the client
 * asked for JSON ({@code response_format}).
 */
@RegisterForReflection
public record Trace(String mix, @JsonProperty("latency_ms") long latencyMs, List<LayerView> layers,
                    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("output_check") OutputCheckView outputCheck) {

    static Trace of(String mix, long latencyMs, List<LayerTrace> layers) {
        return new Trace(mix, latencyMs, layers.stream().map(LayerView::of).toList(), null);
    }

    static Trace of(String mix, MixResult result) {
        Trace trace = of(mix, result.latency().toMillis(), result.layers());
        return new Trace(trace.mix(), trace.latencyMs(), trace.layers(),
                result.outputCheck().map(OutputCheckView::of).orElse(null));
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

    @RegisterForReflection
    public record LayerView(List<AgentView> agents) {

        static LayerView of(LayerTrace layer) {
            List<AgentView> agents = new java.util.ArrayList<>(layer.outcomes().size());
            for (int i = 0; i < layer.outcomes().size(); i++) {
                AgentView agent = AgentView.of(layer.outcomes().get(i));
                Long tokens = layer.truncatedReferences().get(i);
                agents.add(tokens == null ? agent : agent.withReferenceTruncated(tokens));
            }
            return new LayerView(agents);
        }
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
                            String output, String error, Boolean cut, List<AttemptView> attempts,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY)
                            @JsonProperty("tool_calls") List<ChatCompletion.ToolCallView> toolCalls,
                            @JsonProperty("reference_truncated") Long referenceTruncated) {

        AgentView(String provider, String model, Integer sample, long latencyMs, Usage usage, BigDecimal cost,
                  String costUnknown, String output, String error, Boolean cut, List<AttemptView> attempts,
                  List<ChatCompletion.ToolCallView> toolCalls) {
            this(provider, model, sample, latencyMs, usage, cost, costUnknown, output, error, cut, attempts, toolCalls,
                    null);
        }

        AgentView withReferenceTruncated(long originalTokens) {
            return new AgentView(provider, model, sample, latencyMs, usage, cost, costUnknown, output, error, cut,
                    attempts, toolCalls, originalTokens);
        }

        static AgentView of(AgentOutcome outcome) {
            Integer sample = outcome.agent().samples() > 1 ? outcome.sample() : null;
            long ms = outcome.latency().toMillis();
            List<AttemptView> attempts = outcome.attempts().stream().map(AttemptView::of).toList();
            String provider = outcome.agent().provider();
            String model = outcome.agent().model();
            if (outcome instanceof AgentOutcome.Answered a) {
                Usage usage = a.completion().usage();
                return new AgentView(provider, model, sample, ms, usage, usage.cost(), costUnknown(a),
                        a.completion().content(), null, null, attempts,
                        a.completion().toolCalls().stream().map(ChatCompletion.ToolCallView::of).toList());
            }
            // A cut call was cancelled before it reported usage; the provider may still bill what it generated.
            if (outcome instanceof AgentOutcome.Cut c) {
                return new AgentView(provider, model, sample, ms, Usage.ZERO, null,
                        "cut before it reported usage; not in usage.cost", null, c.reason(), true, attempts, null);
            }
            // A failed call answered nothing: providers do not bill errors, so it costs nothing here.
            AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
            return new AgentView(provider, model, sample, ms, Usage.ZERO, BigDecimal.ZERO, null, null,
                    f.failure().getMessage(), null, attempts, null);
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

    /** One try: who was called, how long it took, and the failure if it failed. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(String provider, String model, @JsonProperty("latency_ms") long latencyMs,
                              Integer status, String error) {

        static AttemptView of(Attempt attempt) {
            Integer status = attempt.failure().map(UpstreamFailure::status).filter(s -> s > 0).orElse(null);
            return new AttemptView(attempt.provider(), attempt.model(), attempt.latency().toMillis(), status,
                    attempt.failure().map(Throwable::getMessage).orElse(null));
        }
    }
}
