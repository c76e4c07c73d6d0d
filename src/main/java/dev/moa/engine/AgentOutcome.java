package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.provider.Completion;
import dev.moa.provider.UpstreamFailure;

import java.time.Duration;

/** What one call of one agent (one sample) came to, with everything the trace shows. */
public sealed interface AgentOutcome {

    Agent agent();

    int sample();

    Duration latency();

    int attempts();

    record Answered(Agent agent, int sample, Duration latency, int attempts, Completion completion)
            implements AgentOutcome {
    }

    record Failed(Agent agent, int sample, Duration latency, int attempts, UpstreamFailure failure)
            implements AgentOutcome {
    }
}
