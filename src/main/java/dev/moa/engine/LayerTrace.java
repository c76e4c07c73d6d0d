package dev.moa.engine;

import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Every call a layer made, in the order of the mix document.
 *
 * @param references what the layer's reference budget did to the references it received
 * @param earlyStop  present when the layer's answers agreed and the mix stopped after it
 */
public record LayerTrace(List<AgentOutcome> outcomes, PreparedReferences references, Optional<EarlyStopped> earlyStop) {

    public LayerTrace {
        outcomes = List.copyOf(outcomes);
    }

    public LayerTrace(List<AgentOutcome> outcomes) {
        this(outcomes, PreparedReferences.NONE, Optional.empty());
    }

    LayerTrace stoppedEarly(EarlyStopped stop) {
        return new LayerTrace(outcomes, references, Optional.of(stop));
    }

    // Loops rather than streams in this class: read for every layer of every request, by code C1 compiles only.
    public List<AgentOutcome.Answered> answers() {
        List<AgentOutcome.Answered> answers = new ArrayList<>(outcomes.size());
        for (AgentOutcome o : outcomes) {
            if (o instanceof AgentOutcome.Answered a) {
                answers.add(a);
            }
        }
        return Collections.unmodifiableList(answers);
    }

    /** Whether a call failed because the layer's budget was spent before it could try again. */
    public boolean ranOutOfTime() {
        for (AgentOutcome o : outcomes) {
            if (o instanceof AgentOutcome.Failed f && f.failure().kind() == UpstreamFailure.Kind.DEADLINE) {
                return true;
            }
        }
        return false;
    }

    /** What the layer's calls used: every answer, and what a failed call had answered before it failed. */
    public Usage usage() {
        Usage total = Usage.ZERO;
        for (AgentOutcome o : outcomes) {
            total = total.plus(o instanceof AgentOutcome.Answered a ? a.completion().usage()
                    : o instanceof AgentOutcome.Failed f ? f.spent() : Usage.ZERO);
        }
        return total;
    }
}
