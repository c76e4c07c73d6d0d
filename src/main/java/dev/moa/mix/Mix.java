package dev.moa.mix;

import java.util.List;

/**
 * A mix document: proposer layers followed by a last layer holding exactly one agent, the aggregator.
 *
 * @param name    the mix as the client named it: {@code coding}, {@code coding:prod} (an SSM selector), or a direct
 *                model's {@code provider/model}
 * @param version which revision of the document this is, as its store tells revisions apart (an SSM parameter
 *                version, a file's content digest); null where there is no document (a direct model)
 */
public record Mix(String name, String description, List<Layer> layers, String version) {

    public Mix {
        layers = List.copyOf(layers);
    }

    /** A mix without a known version. */
    public Mix(String name, String description, List<Layer> layers) {
        this(name, description, layers, null);
    }

    /** The same mix, read at {@code version} of its document. */
    public Mix withVersion(String documentVersion) {
        return new Mix(name, description, layers, documentVersion);
    }

    /**
     * The mix document's own name: {@link #name()} without the {@code :version} or {@code :label} selector a client
     * may add on an SSM store. A direct model (no version) is its name as it is: a model id may hold a colon.
     */
    public String id() {
        int colon = name.indexOf(':');
        return version == null || colon < 0 ? name : name.substring(0, colon);
    }

    public Agent aggregator() {
        return layers.get(layers.size() - 1).agents().get(0);
    }
}
