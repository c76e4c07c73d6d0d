package dev.moa.mix;

import java.util.List;

/** A mix document: proposer layers followed by a last layer holding exactly one agent, the aggregator. */
public record Mix(String name, String description, List<Layer> layers) {

    public Mix {
        layers = List.copyOf(layers);
    }

    public Agent aggregator() {
        return layers.get(layers.size() - 1).agents().get(0);
    }
}
