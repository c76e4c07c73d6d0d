package dev.moa.engine;

import io.smallrye.mutiny.Multi;

import java.util.List;

/**
 * A mix whose proposer layers have answered and whose aggregator streams: {@code answer} starts the aggregator's
 * call when subscribed; cancelling it closes that call.
 */
public record StreamedMix(List<LayerTrace> proposerLayers, Multi<AnswerEvent> answer) {

    public StreamedMix {
        proposerLayers = List.copyOf(proposerLayers);
    }
}
