package dev.moa.mix;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Agents that run concurrently; the request fails when fewer than {@code minSuccesses} answer.
 *
 * @param stragglerGrace     once {@code minSuccesses} calls have answered, how much longer to wait for the rest
 *                           before going on without them; empty = wait for all (within the layer's budget)
 * @param tools              what the layer's agents get of the client's tools; the aggregator's layer is always PASS
 * @param maxReferenceTokens the longest reference (a previous layer's answer) this layer's agents receive, in
 *                           tokens estimated as characters / 4 ({@code max_reference_tokens}); longer ones are cut
 */
public record Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace,
                    ToolMode tools, int maxReferenceTokens) {

    /** {@code max_reference_tokens} when the layer sets none (~32 KB of text per reference). */
    public static final int DEFAULT_MAX_REFERENCE_TOKENS = 8192;

    public Layer {
        agents = List.copyOf(agents);
        tools = tools == null ? ToolMode.DESCRIBE : tools;
    }

    public Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace,
                 ToolMode tools) {
        this(agents, minSuccesses, references, stragglerGrace, tools, DEFAULT_MAX_REFERENCE_TOKENS);
    }

    public Layer(List<Agent> agents, int minSuccesses, References references, Optional<Duration> stragglerGrace) {
        this(agents, minSuccesses, references, stragglerGrace, ToolMode.DESCRIBE);
    }

    /** Number of calls the layer makes: every agent times its samples. */
    public int calls() {
        return agents.stream().mapToInt(Agent::samples).sum();
    }
}
