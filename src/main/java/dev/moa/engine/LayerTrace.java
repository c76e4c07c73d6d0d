package dev.moa.engine;

import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;

import java.util.List;

/** Every call a layer made, in the order of the mix document. */
public record LayerTrace(List<AgentOutcome> outcomes) {

    public LayerTrace {
        outcomes = List.copyOf(outcomes);
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
