package dev.moa.batch;

import dev.moa.api.ApiError;
import dev.moa.api.ErrorMapper;
import dev.moa.engine.LayerFailedException;
import dev.moa.limits.LimitRefusal;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.store.StoreUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/** What the API's exception mappers answer for a failure, so a batch line's error body is the endpoint's. */
final class ErrorResponses {

    private final ErrorMapper mapper = new ErrorMapper();

    Response of(Throwable failure) {
        if (failure instanceof ApiError error) {
            return mapper.apiError(error);
        }
        if (failure instanceof LimitRefusal refusal) {
            return mapper.limitRefused(refusal);
        }
        if (failure instanceof InvalidDocumentException error) {
            return mapper.invalidDocument(error);
        }
        if (failure instanceof StoreUnavailableException error) {
            return mapper.storeUnavailable(error);
        }
        if (failure instanceof LayerFailedException error) {
            return mapper.layerFailed(error);
        }
        if (failure instanceof WebApplicationException error) {
            return mapper.webError(error);
        }
        return mapper.unexpected(failure);
    }
}
