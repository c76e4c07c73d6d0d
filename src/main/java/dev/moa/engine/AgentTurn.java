package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.References;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.util.List;

/**
 * One call of a layer as its aggregation mode sees it.
 *
 * @param references     what the call is given: after reasoning hygiene and the layer's budget
 * @param unbudgeted     the same references before the budget shortened or dropped any
 * @param clientSampling the client's parameters when this layer writes the response, else {@link Sampling#NONE}
 * @param keepReasoning  whether what this call passes on keeps its reasoning
 * @param tools          what the call gets of the client's tools, tool turns and output format
 */
record AgentTurn(Agent agent, List<Message> conversation, References settings, List<Reference> references,
                 List<Reference> unbudgeted, Sampling clientSampling, boolean keepReasoning, ToolRendering tools) {

    /** The sampling of a call that writes an answer: the agent's own values, the client's where it sets none. */
    Sampling answerSampling(Agent candidate) {
        return candidate.sampling().orElse(clientSampling);
    }

    /** The reference as the previous layer gave it, before the budget. */
    Reference whole(Reference given) {
        return unbudgeted.stream().filter(r -> r.number() == given.number() && r.number() > 0).findFirst()
                .orElse(given);
    }
}
