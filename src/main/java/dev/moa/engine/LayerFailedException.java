package dev.moa.engine;

import java.util.List;
import java.util.stream.Collectors;

/** A layer got fewer answers than its {@code min_successes}; the request cannot be answered. */
public final class LayerFailedException extends RuntimeException {

    private final List<LayerTrace> layers;

    public LayerFailedException(String mix, int layerIndex, int needed, List<LayerTrace> layers) {
        super(describe(mix, layerIndex, needed, layers.get(layers.size() - 1)), null, false, false);
        this.layers = List.copyOf(layers);
    }

    /** What ran up to and including the failed layer. */
    public List<LayerTrace> layers() {
        return layers;
    }

    private static String describe(String mix, int layerIndex, int needed, LayerTrace failed) {
        String failures = failed.outcomes().stream()
                .filter(o -> o instanceof AgentOutcome.Failed)
                .map(o -> o.agent().label() + " (" + ((AgentOutcome.Failed) o).failure().getMessage()
                        + (o.attempts() > 1 ? ", " + o.attempts() + " attempts" : "") + ")")
                .collect(Collectors.joining("; "));
        return "mix \"" + mix + "\": layer " + (layerIndex + 1) + " got " + failed.answers().size() + " of the "
                + needed + " answers it needs; failed: " + failures;
    }
}
