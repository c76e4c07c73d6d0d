package dev.moa.provider;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * One attempt at a chat completion against one provider. Retries, timeouts and fallbacks are the
 * engine's business; a client only speaks its wire protocol and classifies failures as {@link UpstreamFailure}.
 */
public interface ChatClient {

    Uni<Completion> complete(CompletionCall call);

    /**
     * The same call, its answer delivered as it is produced. Cancelling the subscription must close the
     * upstream request. A protocol without streaming delivers its whole answer as one delta.
     */
    default Multi<CompletionEvent> stream(CompletionCall call) {
        return complete(call).onItem().transformToMulti(c -> Multi.createFrom().items(
                new CompletionEvent.Delta(c.content()), new CompletionEvent.Finished(c.finishReason(), c.usage())));
    }
}
