package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.engine.MixPlanner;
import dev.moa.mix.Layer;
import dev.moa.mix.Mix;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.ArrayList;
import java.util.List;

/** The {@code moa} part of {@code GET /v1/models/{id}}: the mix's shape and what a request costs in calls. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MixSummary(String description, List<LayerView> layers,
                         @JsonProperty("calls_per_request") int callsPerRequest,
                         @JsonProperty("min_calls_per_request") Integer minCallsPerRequest) {

    static MixSummary of(Mix mix) {
        List<LayerView> layers = new ArrayList<>();
        for (Layer layer : mix.layers()) {
            layers.add(new LayerView(layer.agents().stream()
                    .map(a -> new AgentView(a.provider(), a.model(), a.samples() > 1 ? a.samples() : null)).toList(),
                    layer.calls(), MixPlanView.aggregate(layer.aggregate()),
                    layer.earlyStop().map(e -> e.when().id()).orElse(null)));
        }
        int calls = MixPlanner.calls(mix);
        int min = MixPlanner.minCalls(mix);
        return new MixSummary(mix.description().isEmpty() ? null : mix.description(), layers, calls,
                min < calls ? min : null);
    }

    /** @param calls the layer's calls, every agent times its samples (a sequential layer makes this many chains) */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerView(List<AgentView> agents, int calls, Object aggregate,
                            @JsonProperty("early_stop") String earlyStop) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgentView(String provider, String model, Integer samples) {
    }

    /** One model with its summary. */
    @RegisterForReflection
    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
                        MixSummary moa) {
    }
}
