package dev.moa.engine;

import java.util.List;
import java.util.stream.Collectors;

/** A layer got fewer answers than its {@code min_successes}; the request cannot be answered. */
public final class LayerFailedException extends RuntimeException {

    private final List<LayerTrace> layers;
    private final boolean outOfTime;

    public LayerFailedException(String mix, int layerIndex, int needed, List<LayerTrace> layers, boolean outOfTime) {
        super(describe(mix, layerIndex, needed, layers.get(layers.size() - 1), outOfTime), null, false, false);
        this.layers = List.copyOf(layers);
        this.outOfTime = outOfTime;
    }

    /** Whether the layer ran out of time (rather than every call failing before it did). */
    public boolean outOfTime() {
        return outOfTime;
    }

    /** What ran up to and including the failed layer. */
    public List<LayerTrace> layers() {
        return layers;
    }

    private static String describe(String mix, int layerIndex, int needed, LayerTrace failed, boolean outOfTime) {
        String failures = failed.outcomes().stream()
                .filter(o -> !(o instanceof AgentOutcome.Answered))
                .map(o -> o.agent().label() + " (" + why(o)
                        + (o.attempts().size() > 1 ? ", " + o.attempts().size() + " attempts" : "") + ")")
                .collect(Collectors.joining("; "));
        return "mix \"" + mix + "\": layer " + (layerIndex + 1) + " got " + failed.answers().size() + " of the "
                + needed + " answers it needs" + (outOfTime ? " before its time ran out" : "")
                + "; failed: " + failures;
    }

    private static String why(AgentOutcome outcome) {
        if (outcome instanceof AgentOutcome.Failed f) {
            return f.failure().getMessage();
        }
        return ((AgentOutcome.Cut) outcome).reason();
    }
}
