package dev.moa.api.chat;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/** {@code POST /v1/chat/completions}: the OpenAI endpoint, answered by a mix (see {@link ChatCompletions}). */
@Path("/v1/chat/completions")
public class ChatCompletionsResource {

    /** API Gateway and Lambda refuse larger payloads; dev mode answers the same way. */
    static final int MAX_BODY_BYTES = ChatCompletions.MAX_BODY_BYTES;

    private final ChatCompletions completions;

    public ChatCompletionsResource(ChatCompletions completions) {
        this.completions = completions;
    }

    /** Blocking: resolving a mix reads the store; the upstream calls themselves are non-blocking. */
    @POST
    @Blocking
    public Uni<Response> create(byte[] body, @Context HttpHeaders headers) {
        return completions.create(body, headers);
    }
}
