package dev.moa.api.chat;

import dev.moa.api.InboundCalls;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/** {@code POST /v1/chat/completions}: the OpenAI endpoint, answered by a mix (see {@link ChatCompletions}). */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

    private final ChatCompletions completions;
    private final InboundCalls calls;

    public ChatCompletionsResource(ChatCompletions completions, InboundCalls calls) {
        this.completions = completions;
        this.calls = calls;
    }

    /** Blocking: resolving a mix reads the store; the upstream calls themselves are non-blocking. */
    @POST
    @Blocking
    public Uni<Response> create(byte[] body, @Context HttpHeaders headers) {
        return completions.create(calls.open(body, headers));
    }
}
