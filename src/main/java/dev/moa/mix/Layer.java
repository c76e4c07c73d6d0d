package dev.moa.mix;

import java.util.List;

/** Agents that run concurrently; the request fails when fewer than {@code minSuccesses} answer. */
public record Layer(List<Agent> agents, int minSuccesses, References references) {

    public Layer {
        agents = List.copyOf(agents);
    }

    /** Number of calls the layer makes: every agent times its samples. */
    public int calls() {
        return agents.stream().mapToInt(Agent::samples).sum();
    }
}
