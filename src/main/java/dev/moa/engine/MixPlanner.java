package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Aggregate;
import dev.moa.mix.Hedge;
import dev.moa.mix.Layer;
import dev.moa.mix.Mix;
import dev.moa.mix.ReferenceBudget;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plans a run without calling any provider (the dry run), and counts a mix's calls (its summary). The messages
 * come from the same {@link ReferenceInjector} and prompts the engine uses, so what the plan shows is what would
 * be sent.
 */
public final class MixPlanner {

    private final RetryPolicy policy;
    private final ReferenceInjector injector;

    public MixPlanner(RetryPolicy policy, ReferenceInjector injector) {
        this.policy = policy;
        this.injector = injector;
    }

    public MixPlan plan(MixRun run) {
        List<Layer> layers = run.mix().layers();
        Duration share = run.budget().dividedBy(layers.size());
        List<MixPlan.LayerPlan> plans = new ArrayList<>(layers.size());
        List<Reference> placeholders = List.of();
        int previousCalls = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            boolean aggregator = i == layers.size() - 1;
            Integer steps = steps(layer, previousCalls);
            List<MixPlan.AgentPlan> agents = new ArrayList<>();
            for (Agent agent : layer.agents()) {
                Sampling sampling = sampling(layer, agent, aggregator ? run.clientSampling() : Sampling.NONE);
                agents.add(new MixPlan.AgentPlan(agent.provider(), agent.model(), agent.samples(), sampling,
                        messages(layer, agent, ToolRendering.forLayer(layer, aggregator, run.clientOptions()),
                                run.conversation(), placeholders), timeout(run, agent),
                        agent.retries() != null ? agent.retries() : policy.retries(),
                        agent.fallbacks().stream().map(Agent::label).toList()));
            }
            plans.add(new MixPlan.LayerPlan(i + 1, layer.aggregate(), calls(layer, previousCalls),
                    maxCalls(layer, previousCalls), steps, share, agents));
            placeholders = placeholders(layer, i + 1);
            previousCalls = layer.calls();
        }
        return new MixPlan(run.mix().name(), plans, plans.stream().mapToInt(MixPlan.LayerPlan::calls).sum(),
                plans.stream().mapToInt(MixPlan.LayerPlan::maxCalls).sum(), minCalls(run.mix()), run.budget());
    }

    /** Calls per request when every call answers and no early stop ends the mix. */
    public static int calls(Mix mix) {
        int total = 0;
        int previous = 0;
        for (Layer layer : mix.layers()) {
            total += calls(layer, previous);
            previous = layer.calls();
        }
        return total;
    }

    /** Calls per request when the first layer with {@code early_stop} ends the mix. */
    public static int minCalls(Mix mix) {
        int total = 0;
        int previous = 0;
        for (Layer layer : mix.layers()) {
            total += calls(layer, previous);
            if (layer.earlyStop().isPresent()) {
                return total;
            }
            previous = layer.calls();
        }
        return total;
    }

    static int calls(Layer layer, int references) {
        Integer steps = steps(layer, references);
        return layer.calls() * (steps == null ? 1 : steps);
    }

    /** The most calls: every step a layer may take, and every hedge each of its calls may send. */
    private static int maxCalls(Layer layer, int references) {
        boolean mayOverflowToSteps = layer.budget().maxTotalReferenceTokens() != null
                && layer.budget().overflow() == ReferenceBudget.Overflow.SEQUENTIAL;
        int stepsPerCall = mayOverflowToSteps ? Math.max(1, references)
                : Optional.ofNullable(steps(layer, references)).orElse(1);
        int hedges = layer.agents().stream()
                .mapToInt(a -> a.samples() * a.hedge().map(Hedge::max).orElse(0)).sum();
        return layer.calls() * stepsPerCall + hedges * stepsPerCall;
    }

    private static Integer steps(Layer layer, int references) {
        if (layer.aggregate() instanceof Aggregate.Sequential s && references > 0) {
            return (references + s.window() - 1) / s.window();
        }
        return null;
    }

    private List<Message> messages(Layer layer, Agent agent, ToolRendering tools, List<Message> conversation,
                                   List<Reference> refs) {
        Aggregate mode = layer.aggregate();
        if (refs.isEmpty()) {
            return injector.messagesFor(agent, layer.references(), tools, conversation, refs,
                    ReferenceInjector.DEFAULT_PROMPT);
        }
        if (mode instanceof Aggregate.Rank) {
            return injector.messagesFor(agent, layer.references(), Ranking.CHOOSING, conversation, refs,
                    ReferenceInjector.RANK_PROMPT);
        }
        if (mode instanceof Aggregate.Sequential s) {
            // The first step's messages; later steps put the running synthesis first and use the sequential prompt.
            return injector.messagesFor(agent, layer.references(), tools, conversation,
                    refs.subList(0, Math.min(s.window(), refs.size())), ReferenceInjector.DEFAULT_PROMPT);
        }
        return injector.messagesFor(agent, layer.references(), tools, conversation, refs,
                ReferenceInjector.DEFAULT_PROMPT);
    }

    private static Sampling sampling(Layer layer, Agent agent, Sampling client) {
        if (layer.aggregate() instanceof Aggregate.Rank) {
            return agent.sampling().orElse(Ranking.SAMPLING);
        }
        return agent.sampling().orElse(client);
    }

    private Duration timeout(MixRun run, Agent agent) {
        Upstream upstream = run.upstreams().get(agent.provider());
        return agent.timeout().or(() -> upstream == null ? Optional.empty() : upstream.timeout())
                .orElse(policy.attemptTimeout());
    }

    /** Stand-ins for the answers a layer would pass on, one per call, naming the call. */
    private static List<Reference> placeholders(Layer layer, int layerNumber) {
        List<Reference> refs = new ArrayList<>();
        for (Agent agent : layer.agents()) {
            for (int s = 0; s < agent.samples(); s++) {
                String label = "{answer of layer " + layerNumber + ", " + agent.label()
                        + (agent.samples() > 1 ? ", sample " + (s + 1) : "") + "}";
                refs.add(new Reference(label, agent.weight(), "stop", refs.size() + 1, agent.label()));
            }
        }
        return refs;
    }
}
