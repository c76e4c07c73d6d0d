package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.engine.MixPlan;
import dev.moa.mix.Aggregate;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code moa} of a dry run ({@code "moa": {"dry_run": true}}), whatever the protocol: the plan of the mix — its layers,
 * the calls it would make and what each agent would be sent. Built from the mix and the request only: no key, header
 * or provider URL is in it.
 */
@RegisterForReflection
public record MixPlanView(String mix, @JsonProperty("dry_run") boolean dryRun, int calls,
                          @JsonProperty("max_calls") int maxCalls, @JsonProperty("min_calls") int minCalls,
                          @JsonProperty("deadline_ms") long deadlineMs, List<LayerView> layers) {

    public static MixPlanView of(MixPlan plan) {
        return new MixPlanView(plan.mix(), true, plan.calls(), plan.maxCalls(), plan.minCalls(),
                plan.deadline().toMillis(), plan.layers().stream().map(LayerView::of).toList());
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerView(int layer, Object aggregate, int calls, @JsonProperty("max_calls") int maxCalls,
                            Integer steps, @JsonProperty("budget_ms") long budgetMs, List<AgentView> agents) {

        static LayerView of(MixPlan.LayerPlan layer) {
            return new LayerView(layer.layer(), MixPlanView.aggregate(layer.aggregate()), layer.calls(), layer.maxCalls(),
                    layer.steps(), layer.budget().toMillis(), layer.agents().stream().map(AgentView::of).toList());
        }
    }

    /** {@code aggregate} as the mix document writes it. */
    static Object aggregate(Aggregate aggregate) {
        if (aggregate instanceof Aggregate.Sequential s) {
            Map<String, Object> form = new LinkedHashMap<>();
            form.put("mode", "sequential");
            form.put("window", s.window());
            return form;
        }
        return aggregate.toString();
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgentView(String provider, String model, Integer samples, Double temperature,
                            @JsonProperty("max_tokens") Integer maxTokens, @JsonProperty("top_p") Double topP,
                            List<String> stop, @JsonProperty("timeout_ms") long timeoutMs, int retries,
                            List<String> fallbacks, List<MessageView> messages) {

        static AgentView of(MixPlan.AgentPlan agent) {
            return new AgentView(agent.provider(), agent.model(), agent.samples() > 1 ? agent.samples() : null,
                    agent.sampling().temperature(), agent.sampling().maxTokens(), agent.sampling().topP(),
                    agent.sampling().stop(), agent.attemptTimeout().toMillis(), agent.retries(),
                    agent.fallbacks().isEmpty() ? null : agent.fallbacks(),
                    agent.messages().stream().map(m -> new MessageView(m.role(), m.content())).toList());
        }
    }

    @RegisterForReflection
    public record MessageView(String role, String content) {
    }
}
