package dev.moa.engine;

import java.util.List;

/**
 * The references a layer receives, after reasoning hygiene and its budget.
 *
 * @param cuts                 what the budget truncated or dropped
 * @param switchedToSequential the total did not fit and the layer's {@code overflow} is {@code sequential}
 */
public record PreparedReferences(List<Reference> references, List<ReferenceCut> cuts, boolean switchedToSequential) {

    public static final PreparedReferences NONE = new PreparedReferences(List.of(), List.of(), false);

    public PreparedReferences {
        references = List.copyOf(references);
        cuts = List.copyOf(cuts);
    }
}
