package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Sampling;
import dev.moa.provider.Completion;
import dev.moa.provider.Message;
import io.smallrye.mutiny.Uni;

import java.util.List;
import java.util.function.Function;

/**
 * Asks one agent once: the agent, then each fallback in order, each with its own retries, within the layer's time.
 * An aggregation mode may ask several times (sequential steps); every attempt lands in the same trace.
 */
@FunctionalInterface
interface AgentCall {

    /**
     * @param tools       what the call gets of the client's tools and format (its per-call options)
     * @param messagesFor what each candidate (the agent or a fallback) is sent; a candidate may have its own
     *                    system prompt
     * @param samplingFor the sampling of each candidate
     */
    Uni<Completion> complete(ToolRendering tools, Function<Agent, List<Message>> messagesFor,
                             Function<Agent, Sampling> samplingFor);
}
