package dev.moa.engine;

import dev.moa.mix.Aggregate;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.time.Duration;
import java.util.List;

/**
 * What a run of a mix would do, without calling anything: the dry run.
 *
 * @param calls    upstream calls when every call answers at its first attempt and no early stop ends the mix
 * @param maxCalls the most there can be (an overflow that switches to sequential adds steps, a hedge adds its
 *                 copies to each call); retries and fallbacks not counted
 * @param minCalls the fewest, when the first {@code early_stop} ends the mix
 * @param deadline the whole run's time budget
 */
public record MixPlan(String mix, List<LayerPlan> layers, int calls, int maxCalls, int minCalls, Duration deadline) {

    public MixPlan {
        layers = List.copyOf(layers);
    }

    /**
     * @param aggregate how the layer combines its references, as the mix document says
     * @param steps     for sequential aggregation, the steps of each call when every earlier call answers
     * @param budget    the layer's share of the deadline when every earlier layer uses all of its own (a faster
     *                  layer leaves more to the later ones)
     */
    public record LayerPlan(int layer, Aggregate aggregate, int calls, int maxCalls, Integer steps, Duration budget,
                            List<AgentPlan> agents) {
        public LayerPlan {
            agents = List.copyOf(agents);
        }
    }

    /**
     * One agent: what it would be sent (layer 1: exactly; later layers: a template whose references are
     * placeholders naming the call each would come from).
     *
     * @param attemptTimeout per attempt
     * @param fallbacks      {@code provider/model} of each fallback, in order
     */
    public record AgentPlan(String provider, String model, int samples, Sampling sampling, List<Message> messages,
                            Duration attemptTimeout, int retries, List<String> fallbacks) {
        public AgentPlan {
            messages = List.copyOf(messages);
            fallbacks = List.copyOf(fallbacks);
        }
    }
}
