package dev.moa.provider;

import io.smallrye.mutiny.Uni;

/**
 * One attempt at a chat completion against one provider. Retries, timeouts and fallbacks are the
 * engine's business; a client only speaks its wire protocol and classifies failures as {@link UpstreamFailure}.
 */
public interface ChatClient {

    Uni<Completion> complete(CompletionCall call);
}
