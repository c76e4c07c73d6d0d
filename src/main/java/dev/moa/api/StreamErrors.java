package dev.moa.api;

import jakarta.ws.rs.core.Response;

/**
 * A streamed request's failure after events went out as the same OpenAI error a non-streamed one gets
 * ({@link ErrorMapper}'s status and body), for the stream's error event; before any, the failure is the HTTP
 * response ({@link InboundCalls#streamed}).
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
        Response response = ErrorMapper.response(failure);
        return new Mapped(response.getStatus(), (ErrorBody) response.getEntity());
    }
}
