package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.LayerTrace;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** The per-agent trace a client gets with {@code "moa": {"trace": true}}. */
@RegisterForReflection
public record Trace(String mix, @JsonProperty("latency_ms") long latencyMs, List<LayerView> layers) {

    static Trace of(String mix, long latencyMs, List<LayerTrace> layers) {
        return new Trace(mix, latencyMs, layers.stream()
                .map(l -> new LayerView(l.outcomes().stream().map(AgentView::of).toList())).toList());
    }

    @RegisterForReflection
    public record LayerView(List<AgentView> agents) {
    }

    /** One call: {@code output} when it answered, {@code error} when it did not. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgentView(String provider, String model, Integer sample, @JsonProperty("latency_ms") long latencyMs,
                            int attempts, Usage usage, String output, String error) {

        static AgentView of(AgentOutcome outcome) {
            Integer sample = outcome.agent().samples() > 1 ? outcome.sample() : null;
            long ms = outcome.latency().toMillis();
            if (outcome instanceof AgentOutcome.Answered a) {
                return new AgentView(a.agent().provider(), a.agent().model(), sample, ms, a.attempts(),
                        a.completion().usage(), a.completion().content(), null);
            }
            AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
            return new AgentView(f.agent().provider(), f.agent().model(), sample, ms, f.attempts(), Usage.ZERO, null,
                    f.failure().getMessage());
        }
    }
}
