package dev.moa.engine;

import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;

import java.util.List;
import java.util.Map;

/**
 * Every call a layer made, in the order of the mix document.
 *
 * @param truncatedReferences by index into {@code outcomes}: the answers that were cut to the next layer's
 *                            {@code max_reference_tokens} before it received them, with their estimated tokens
 */
public record LayerTrace(List<AgentOutcome> outcomes, Map<Integer, Long> truncatedReferences) {

    public LayerTrace {
        outcomes = List.copyOf(outcomes);
        truncatedReferences = Map.copyOf(truncatedReferences);
    }

    public LayerTrace(List<AgentOutcome> outcomes) {
        this(outcomes, Map.of());
    }

    public LayerTrace withTruncatedReferences(Map<Integer, Long> truncated) {
        return new LayerTrace(outcomes, truncated);
    }

    public List<AgentOutcome.Answered> answers() {
        return outcomes.stream().filter(o -> o instanceof AgentOutcome.Answered)
                .map(o -> (AgentOutcome.Answered) o).toList();
    }

    /** Whether a call failed because the layer's budget was spent before it could try again. */
    public boolean ranOutOfTime() {
        return outcomes.stream().anyMatch(o -> o instanceof AgentOutcome.Failed f
                && f.failure().kind() == UpstreamFailure.Kind.DEADLINE);
    }

    public Usage usage() {
        return answers().stream().map(a -> a.completion().usage()).reduce(Usage.ZERO, Usage::plus);
    }
}
