package dev.moa.engine;

import dev.moa.provider.Completion;
import dev.moa.provider.Usage;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The aggregator's answer, usage summed over every upstream call, what each layer did and, when the client asked
 * for JSON, how the answer measured up (with the retry it took, if any).
 */
public record MixResult(Completion answer, Usage usage, List<LayerTrace> layers, Duration latency,
                        Optional<OutputCheck> outputCheck) {

    public MixResult {
        layers = List.copyOf(layers);
        outputCheck = outputCheck == null ? Optional.empty() : outputCheck;
    }

    public MixResult(Completion answer, Usage usage, List<LayerTrace> layers, Duration latency) {
        this(answer, usage, layers, latency, Optional.empty());
    }
}
