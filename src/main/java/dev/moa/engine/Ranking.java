package dev.moa.engine;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.mix.ToolMode;
import dev.moa.provider.Completion;
import io.smallrye.mutiny.Uni;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code "rank"} (the MoA paper's LLM-ranker): the agent names the best reference by its number, and the output is
 * that reference verbatim, whole even when the budget shortened what the agent was shown. A reply that does not
 * name exactly one of the numbers falls back to the first reference, and the trace says so.
 */
final class Ranking implements Aggregation {

    /** A number, not an essay: unless the agent sets its own max_tokens. */
    static final Sampling SAMPLING = new Sampling(null, 16, null, null);

    /**
     * A choice is a number: no tools or output format for the ranking call (tool turns of the conversation as
     * text). The answer is a reference, as its proposer wrote it.
     */
    static final ToolRendering CHOOSING = new ToolRendering(ToolMode.OMIT, false, CallOptions.NONE);

    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final int MAX_QUOTED_REPLY = 80;

    private final ReferenceInjector injector;

    Ranking(ReferenceInjector injector) {
        this.injector = injector;
    }

    @Override
    public Uni<Result> answer(AgentTurn turn, AgentCall call) {
        List<Reference> shown = injector.present(turn.settings(), turn.references());
        return call.complete(CHOOSING,
                        candidate -> injector.messagesFor(candidate, turn.settings(), CHOOSING, turn.conversation(),
                                shown, ReferenceInjector.RANK_PROMPT),
                        // The client's parameters are for the answer, which is a reference: not for the choice.
                        candidate -> candidate.sampling().orElse(SAMPLING))
                .map(reply -> choose(reply, shown, turn));
    }

    private static Result choose(Completion reply, List<Reference> shown, AgentTurn turn) {
        String text = Reasoning.strip(reply.content());
        Optional<Integer> number = onlyNumber(text).filter(n -> n >= 1 && n <= shown.size());
        Reference picked = number.map(n -> shown.get(n - 1)).orElse(turn.references().get(0));
        Optional<String> fallback = number.isPresent() ? Optional.empty()
                : Optional.of("the reply " + quote(text) + " names none of the references 1-" + shown.size()
                        + "; the first reference was used");
        Reference whole = turn.whole(picked);
        return new Result(new Completion(whole.content(), whole.finishReason(), reply.usage()),
                new Aggregated.Ranked(reply, whole, fallback));
    }

    /** The one distinct number in the reply ("2", "#2", "The best is 2."); none when it names several or none. */
    static Optional<Integer> onlyNumber(String reply) {
        Set<String> numbers = new LinkedHashSet<>();
        Matcher m = NUMBER.matcher(reply == null ? "" : reply);
        while (m.find()) {
            numbers.add(m.group().replaceFirst("^0+(?=\\d)", ""));
        }
        if (numbers.size() != 1) {
            return Optional.empty();
        }
        String only = numbers.iterator().next();
        return only.length() > 6 ? Optional.empty() : Optional.of(Integer.parseInt(only));
    }

    private static String quote(String text) {
        String oneLine = text == null ? "" : text.strip().replaceAll("\\s+", " ");
        return "\"" + (oneLine.length() > MAX_QUOTED_REPLY ? oneLine.substring(0, MAX_QUOTED_REPLY) + "…" : oneLine)
                + "\"";
    }
}
