package dev.moa.engine;

import dev.moa.provider.Completion;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"mode": "sequential", "window": k}} (Self-MoA-Seq): the references are synthesized k at a time, each
 * step given the previous step's synthesis plus the next k references; the last step's answer is the output. With
 * a token total (the layer overflowed with {@code overflow: "sequential"}) a step also takes no more references
 * than fit beside the synthesis, and always at least one.
 */
final class SequentialSynthesis implements Aggregation {

    static final String SYNTHESIS_SOURCE = "synthesis of the earlier steps";

    private final ReferenceInjector injector;
    private final int window;
    private final Integer maxTotalTokens;

    /** @param maxTotalTokens how many tokens a step's references may have, the synthesis included; null = any */
    SequentialSynthesis(ReferenceInjector injector, int window, Integer maxTotalTokens) {
        this.injector = injector;
        this.window = window;
        this.maxTotalTokens = maxTotalTokens;
    }

    @Override
    public Uni<Result> answer(AgentTurn turn, AgentCall call) {
        List<Reference> shown = injector.present(turn.settings(), turn.references());
        return step(turn, call, shown, 0, null, new ArrayList<>());
    }

    private Uni<Result> step(AgentTurn turn, AgentCall call, List<Reference> shown, int from, Completion previous, List<Aggregated.Step> steps) {
        String carried = previous == null ? null : Reasoning.asReference(previous, turn.keepReasoning());
        int take = take(shown, from, carried);
        List<Reference> window = shown.subList(from, from + take);
        List<Reference> given = new ArrayList<>(take + 1);
        if (carried != null) {
            given.add(new Reference(carried, null, previous.finishReason(), 0, SYNTHESIS_SOURCE));
        }
        given.addAll(window);
        String prompt = carried == null ? ReferenceInjector.DEFAULT_PROMPT : ReferenceInjector.SEQUENTIAL_PROMPT;
        long start = System.nanoTime();
        return call.complete(turn.tools(),
                        candidate -> injector.messagesFor(candidate, turn.settings(), turn.tools(), turn.conversation(),
                                given, prompt),
                        turn::answerSampling)
                .onFailure().transform(failure -> steps.isEmpty() ? failure : new Interrupted(failure, steps))
                .chain(completion -> {
                    synchronized (steps) {
                        steps.add(new Aggregated.Step(window.stream().map(Reference::number).toList(), carried != null,
                                Duration.ofNanos(System.nanoTime() - start), completion));
                    }
                    int next = from + take;
                    if (next >= shown.size()) {
                        return Uni.createFrom().item(result(completion, steps));
                    }
                    return step(turn, call, shown, next, completion, steps);
                });
    }

    /** How many references the step starting at {@code from} takes. */
    private int take(List<Reference> shown, int from, String carried) {
        int left = shown.size() - from;
        int take = Math.min(window, left);
        if (maxTotalTokens == null || take <= 1) {
            return Math.max(take, Math.min(1, left));
        }
        long used = carried == null ? 0 : ReferenceBudgeter.tokens(carried);
        int fits = 0;
        for (int i = 0; i < take; i++) {
            used += ReferenceBudgeter.tokens(shown.get(from + i).content());
            if (fits > 0 && used > maxTotalTokens) {
                break;
            }
            fits++;
        }
        return fits;
    }

    /** A later step failed: the steps before it ran, and providers bill them. */
    static final class Interrupted extends RuntimeException {
        private final Aggregated.Stepped ran;

        Interrupted(Throwable failure, List<Aggregated.Step> steps) {
            super(failure.getMessage(), failure, false, false);
            synchronized (steps) {
                this.ran = new Aggregated.Stepped(steps);
            }
        }

        Aggregated.Stepped ran() {
            return ran;
        }
    }

    private static Result result(Completion last, List<Aggregated.Step> steps) {
        synchronized (steps) {
            Usage usage = steps.stream().map(s -> s.completion().usage()).reduce(Usage.ZERO, Usage::plus);
            return new Result(new Completion(last.content(), last.finishReason(), usage, last.toolCalls(),
                    last.reasoning(), last.stopSequence()),
                    new Aggregated.Stepped(steps));
        }
    }
}
