package dev.moa.provider;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;

/**
 * One attempt at a chat completion against one provider. Retries, timeouts and fallbacks are the
 * engine's business; a client only speaks its wire protocol and classifies failures as {@link UpstreamFailure}.
 */
public interface ChatClient {

    Uni<Completion> complete(CompletionCall call);

    /**
     * The same call, its answer delivered as it is produced. Cancelling the subscription must close the
     * upstream request. A protocol without streaming delivers its whole answer as one delta (and each tool call
     * as one tool-call delta).
     */
    default Multi<CompletionEvent> stream(CompletionCall call) {
        return complete(call).onItem().transformToMulti(c -> Multi.createFrom().iterable(wholeAnswer(c)));
    }

    /** A finished completion as the events a stream of it would have carried. */
    static List<CompletionEvent> wholeAnswer(Completion c) {
        List<CompletionEvent> events = new ArrayList<>();
        if (!c.content().isEmpty() || !c.hasToolCalls()) {
            events.add(new CompletionEvent.Delta(c.content()));
        }
        for (int i = 0; i < c.toolCalls().size(); i++) {
            ToolCall call = c.toolCalls().get(i);
            events.add(new CompletionEvent.ToolCallDelta(i, call.id(), call.name(), call.arguments()));
        }
        events.add(new CompletionEvent.Finished(c.finishReason(), c.usage(), c.stopSequence()));
        return events;
    }
}
