package dev.moa.engine;

import dev.moa.provider.Completion;
import dev.moa.provider.Usage;

import java.time.Duration;
import java.util.List;

/** The aggregator's answer, usage summed over every upstream call, and what each layer did. */
public record MixResult(Completion answer, Usage usage, List<LayerTrace> layers, Duration latency) {

    public MixResult {
        layers = List.copyOf(layers);
    }
}
