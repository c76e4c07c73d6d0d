package dev.moa.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;

import java.io.UncheckedIOException;

/**
 * A streamed request's failure as the same OpenAI error a non-streamed one gets ({@link ErrorMapper}'s status and
 * body): as the HTTP response when nothing was written yet, else as the stream's error event.
 */
public final class StreamErrors {

    public record Mapped(int status, ErrorBody body) {
        public ErrorBody.Detail detail() {
            return body.error();
        }
    }

    private StreamErrors() {
    }

    public static Mapped map(Throwable failure) {
        Response response = new ErrorMapper().of(failure);
        return new Mapped(response.getStatus(), (ErrorBody) response.getEntity());
    }

    public static EventStreamBody.ErrorReply reply(ObjectMapper json, Throwable failure) {
        Mapped mapped = map(failure);
        try {
            return new EventStreamBody.ErrorReply(mapped.status(), json.writeValueAsBytes(mapped.body()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
