package dev.moa.engine;

import dev.moa.mix.EarlyStop;

/**
 * A layer's answers agreed, so the mix stopped there.
 *
 * @param agreeing      how many answers were equal
 * @param answers       how many answers the layer had
 * @param chosen        the answer returned: the first of the agreeing ones, in the mix document's order
 * @param skippedLayers how many later layers were not run
 */
public record EarlyStopped(EarlyStop.When when, int agreeing, int answers, AgentOutcome.Answered chosen,
                           int skippedLayers) {
}
