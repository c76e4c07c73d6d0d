package dev.moa.engine;

import dev.moa.mix.Aggregate;
import dev.moa.mix.Layer;
import dev.moa.provider.Completion;
import io.smallrye.mutiny.Uni;

/** How one call of a layer turns the references it receives into its output: one class per mode. */
sealed interface Aggregation permits Synthesis, Ranking, SequentialSynthesis {

    /**
     * @return the effective completion (its content is the output passed on, its usage that of every call made)
     *         and how it came about
     */
    Uni<Result> answer(AgentTurn turn, AgentCall call);

    record Result(Completion completion, Aggregated how) {
    }

    /** The layer's mode; a total that does not fit switches it to sequential when the layer says so. */
    static Aggregation forLayer(Layer layer, PreparedReferences references, ReferenceInjector injector) {
        Aggregate mode = layer.aggregate();
        if (references.switchedToSequential()) {
            int window = mode instanceof Aggregate.Sequential s ? s.window() : Integer.MAX_VALUE;
            return new SequentialSynthesis(injector, window, layer.budget().maxTotalReferenceTokens());
        }
        if (mode instanceof Aggregate.Rank) {
            return new Ranking(injector);
        }
        if (mode instanceof Aggregate.Sequential s) {
            return new SequentialSynthesis(injector, s.window(), null);
        }
        return new Synthesis(injector);
    }
}
