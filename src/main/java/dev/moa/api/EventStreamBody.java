package dev.moa.api;

import io.smallrye.mutiny.Multi;

import java.util.Map;
import java.util.function.Function;

/**
 * A {@code text/event-stream} body written frame by frame as {@code frames} emits them ({@link EventStreamWriter}).
 * If {@code frames} fails before anything was written, the client gets {@code failed}'s ordinary error response
 * (status, the protocol's error object and the headers it names) instead.
 */
public record EventStreamBody(Multi<String> frames, Function<Throwable, ErrorReply> failed) {

    /** An HTTP error response: its status, its JSON body and its headers (a limited key's, as on an answer). */
    public record ErrorReply(int status, byte[] json, Map<String, String> headers) {

        public ErrorReply {
            headers = Map.copyOf(headers);
        }
    }
}
