package dev.moa.engine;

import dev.moa.provider.Completion;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How an agent's output came about, beyond the one completion a synthesis is. */
public sealed interface Aggregated {

    Aggregated DIRECT = new Direct();

    /** One call, its answer is the output. */
    record Direct() implements Aggregated {
    }

    /**
     * The agent named a reference; the output is that reference.
     *
     * @param reply    the agent's own answer, as it came
     * @param chosen   the reference passed on
     * @param fallback why the reply was not usable, when the first reference was passed on instead
     */
    record Ranked(Completion reply, Reference chosen, Optional<String> fallback) implements Aggregated {
    }

    /** Sequential synthesis: every step, in order; the last step's answer is the output. */
    record Stepped(List<Step> steps) implements Aggregated {
        public Stepped {
            steps = List.copyOf(steps);
        }
    }

    /**
     * One step of a sequential synthesis.
     *
     * @param references    the numbers of the references it was given (besides the running synthesis)
     * @param withSynthesis whether it was given the previous step's synthesis
     */
    record Step(List<Integer> references, boolean withSynthesis, Duration latency, Completion completion) {
        public Step {
            references = List.copyOf(references);
        }
    }
}
