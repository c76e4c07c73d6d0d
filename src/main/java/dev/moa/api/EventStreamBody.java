package dev.moa.api;

import io.smallrye.mutiny.Multi;

import java.util.function.Function;

/**
 * A {@code text/event-stream} body written frame by frame as {@code frames} emits them ({@link EventStreamWriter}).
 * If {@code frames} fails before anything was written, the client gets {@code failed}'s ordinary error response
 * (status and OpenAI error object) instead.
 */
public record EventStreamBody(Multi<String> frames, Function<Throwable, ErrorReply> failed) {

    /** An HTTP error response: its status and its JSON body. */
    public record ErrorReply(int status, byte[] json) {
    }
}
