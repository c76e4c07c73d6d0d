package dev.moa.mix;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Agents that run concurrently; the request fails when fewer than {@code minSuccesses} answer. The fields about
 * references ({@code references}, {@code aggregate}, {@code budget}, {@code keepReasoning}) describe what this
 * layer receives from the layer before it.
 *
 * @param stragglerGrace once {@code minSuccesses} calls have answered, how much longer to wait for the rest
 *                       before going on without them; empty = wait for all (within the layer's budget)
 * @param tools          what the layer's agents get of the client's tools; the aggregator's layer is always PASS
 * @param aggregate      how each agent combines the references
 * @param budget         how many tokens of references the layer accepts
 * @param keepReasoning  whether references keep the previous layer's reasoning ({@code <think>} blocks and
 *                       provider reasoning fields); by default they are removed
 * @param earlyStop      skip the later layers when this layer's answers agree
 */
public record Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace,
                    ToolMode tools, Aggregate aggregate, ReferenceBudget budget, boolean keepReasoning,
                    Optional<EarlyStop> earlyStop) {

    /** {@code max_reference_tokens} when the layer sets none (~32 KB of text per reference). */
    public static final int DEFAULT_MAX_REFERENCE_TOKENS = ReferenceBudget.DEFAULT_MAX_REFERENCE_TOKENS;

    public Layer {
        agents = List.copyOf(agents);
        tools = tools == null ? ToolMode.DESCRIBE : tools;
        aggregate = aggregate == null ? Aggregate.SYNTHESIZE : aggregate;
        budget = budget == null ? ReferenceBudget.DEFAULT : budget;
        earlyStop = earlyStop == null ? Optional.empty() : earlyStop;
    }

    /** A layer that synthesizes, without budget or early stop. */
    public Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace,
                 ToolMode tools) {
        this(agents, minSuccesses, references, stragglerGrace, tools, Aggregate.SYNTHESIZE, ReferenceBudget.DEFAULT,
                false, Optional.empty());
    }

    /** A layer that synthesizes, with this per-reference cap ({@code max_reference_tokens}) and no total. */
    public Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace,
                 ToolMode tools, int maxReferenceTokens) {
        this(agents, minSuccesses, references, stragglerGrace, tools, Aggregate.SYNTHESIZE,
                new ReferenceBudget(maxReferenceTokens, null, ReferenceBudget.Overflow.TRUNCATE), false,
                Optional.empty());
    }

    /** {@code max_reference_tokens}: the longest reference this layer's agents receive. */
    public int maxReferenceTokens() {
        return budget.maxReferenceTokens();
    }

    public Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace) {
        this(agents, minSuccesses, references, stragglerGrace, ToolMode.DESCRIBE);
    }

    /** Number of calls the layer makes: every agent times its samples. */
    public int calls() {
        return agents.stream().mapToInt(Agent::samples).sum();
    }
}
