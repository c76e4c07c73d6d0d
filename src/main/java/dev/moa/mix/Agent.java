package dev.moa.mix;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One model in a layer.
 *
 * @param samples   how many times the agent is called (repeated sampling); each answer is its own reference
 * @param weight    shown next to the agent's references so the next layer can weigh them; {@code null} = none
 * @param timeout   per attempt; empty = the provider's {@code timeout_ms}, else the default
 * @param retries   further attempts after the first, when retrying can help; {@code null} = the default (2)
 * @param fallbacks tried in order when this agent still fails after its retries; fields they leave unset are
 *                  taken from this agent
 * @param options   per-call fields the mix sets for this agent (seed, penalties, user...); they win over the client's
 * @param hedge     whether and when a slow call gets a second copy (the agent's own, else its layer's or mix's)
 */
public record Agent(String provider, String model, Sampling sampling, String systemPrompt, int samples, Double weight,
                    Optional<Duration> timeout, Integer retries, List<Agent> fallbacks, CallOptions options,
                    Optional<Hedge> hedge) {

    public Agent {
        fallbacks = List.copyOf(fallbacks);
        options = options == null ? CallOptions.NONE : options;
        hedge = hedge == null ? Optional.empty() : hedge;
    }

    public Agent(String provider, String model, Sampling sampling, String systemPrompt, int samples, Double weight,
                 Optional<Duration> timeout, Integer retries, List<Agent> fallbacks, CallOptions options) {
        this(provider, model, sampling, systemPrompt, samples, weight, timeout, retries, fallbacks, options,
                Optional.empty());
    }

    /** This agent, hedged as {@code hedge} says (empty: never). */
    public Agent withHedge(Optional<Hedge> hedge) {
        return new Agent(provider, model, sampling, systemPrompt, samples, weight, timeout, retries, fallbacks, options,
                hedge);
    }

    public Agent(String provider, String model, Sampling sampling, String systemPrompt, int samples, Double weight,
                 Optional<Duration> timeout, Integer retries, List<Agent> fallbacks) {
        this(provider, model, sampling, systemPrompt, samples, weight, timeout, retries, fallbacks, CallOptions.NONE);
    }

    /** An agent with only the basics set; the rest at their defaults. */
    public static Agent of(String provider, String model, Sampling sampling, String systemPrompt, int samples,
                           Double weight) {
        return new Agent(provider, model, sampling, systemPrompt, samples, weight, Optional.empty(), null, List.of());
    }

    public String label() {
        return provider + "/" + model;
    }

    /** This agent followed by its fallbacks: the candidates tried in order. */
    public List<Agent> candidates() {
        if (fallbacks.isEmpty()) {
            return List.of(this);
        }
        ArrayList<Agent> all = new ArrayList<>(1 + fallbacks.size());
        all.add(this);
        all.addAll(fallbacks);
        return List.copyOf(all);
    }
}
