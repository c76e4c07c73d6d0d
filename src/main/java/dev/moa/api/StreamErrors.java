package dev.moa.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.LayerFailedException;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.store.StoreUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.io.UncheckedIOException;

/**
 * A streamed request's failure as the same OpenAI error a non-streamed one gets ({@link ErrorMapper}'s status and
 * body): as the HTTP response when nothing was written yet, else as the stream's error event.
 */
final class StreamErrors {

    record Mapped(int status, ErrorBody body) {
        ErrorBody.Detail detail() {
            return body.error();
        }
    }

    private StreamErrors() {
    }

    static Mapped map(Throwable failure) {
        ErrorMapper mapper = new ErrorMapper();
        Response response;
        if (failure instanceof ApiError e) {
            response = mapper.apiError(e);
        } else if (failure instanceof LayerFailedException e) {
            response = mapper.layerFailed(e);
        } else if (failure instanceof InvalidDocumentException e) {
            response = mapper.invalidDocument(e);
        } else if (failure instanceof StoreUnavailableException e) {
            response = mapper.storeUnavailable(e);
        } else if (failure instanceof WebApplicationException e) {
            response = mapper.webError(e);
        } else {
            response = mapper.unexpected(failure);
        }
        return new Mapped(response.getStatus(), (ErrorBody) response.getEntity());
    }

    static EventStreamBody.ErrorReply reply(ObjectMapper json, Throwable failure) {
        Mapped mapped = map(failure);
        try {
            return new EventStreamBody.ErrorReply(mapped.status(), json.writeValueAsBytes(mapped.body()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
