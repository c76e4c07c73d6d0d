package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.provider.Completion;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;

import java.time.Duration;
import java.util.List;

/** What one call of one agent (one sample) came to, with every attempt it made. */
public sealed interface AgentOutcome {

    Agent agent();

    int sample();

    Duration latency();

    List<Attempt> attempts();

    /**
     * The agent, or one of its fallbacks, answered.
     *
     * @param completion what the call came to: its content is the output the agent passes on (as it came, reasoning
     *                   included), its usage that of every call it made
     * @param how        how the output came about (a ranking's choice, a sequential synthesis's steps)
     */
    record Answered(Agent agent, int sample, Duration latency, List<Attempt> attempts, Completion completion,
                    Aggregated how) implements AgentOutcome {
        public Answered {
            attempts = List.copyOf(attempts);
        }

        public Answered(Agent agent, int sample, Duration latency, List<Attempt> attempts, Completion completion) {
            this(agent, sample, latency, attempts, completion, Aggregated.DIRECT);
        }
    }

    /**
     * Every attempt of the agent and its fallbacks failed.
     *
     * @param before what the call had already answered when it failed: the steps of a sequential synthesis that
     *               ran ({@link Aggregated#DIRECT} when nothing had); their usage counts, as providers bill it
     */
    record Failed(Agent agent, int sample, Duration latency, List<Attempt> attempts, UpstreamFailure failure,
                  Aggregated before) implements AgentOutcome {
        public Failed {
            attempts = List.copyOf(attempts);
        }

        public Failed(Agent agent, int sample, Duration latency, List<Attempt> attempts, UpstreamFailure failure) {
            this(agent, sample, latency, attempts, failure, Aggregated.DIRECT);
        }

        /** The usage of the calls that answered before the failure. */
        public Usage spent() {
            return before instanceof Aggregated.Stepped stepped
                    ? stepped.steps().stream().map(s -> s.completion().usage()).reduce(Usage.ZERO, Usage::plus)
                    : Usage.ZERO;
        }
    }

    /** Still running when the layer went on without it (straggler grace or budget); its request was cancelled. */
    record Cut(Agent agent, int sample, Duration latency, List<Attempt> attempts, String reason)
            implements AgentOutcome {
        public Cut {
            attempts = List.copyOf(attempts);
        }
    }
}
