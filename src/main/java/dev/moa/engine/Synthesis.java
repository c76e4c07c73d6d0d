package dev.moa.engine;

import io.smallrye.mutiny.Uni;

/** {@code "synthesize"}: one call given every reference; its answer is the output (the MoA default). */
final class Synthesis implements Aggregation {

    private final ReferenceInjector injector;

    Synthesis(ReferenceInjector injector) {
        this.injector = injector;
    }

    @Override
    public Uni<Result> answer(AgentTurn turn, AgentCall call) {
        return call.complete(turn.tools(),
                        candidate -> injector.messagesFor(candidate, turn.settings(), turn.tools(), turn.conversation(),
                                turn.references()),
                        turn::answerSampling)
                .map(completion -> new Result(completion, Aggregated.DIRECT));
    }
}
