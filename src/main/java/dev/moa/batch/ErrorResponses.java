package dev.moa.batch;

import dev.moa.api.ErrorMapper;
import jakarta.ws.rs.core.Response;

/** What the API's exception mappers answer for a failure, so a batch line's error body is the endpoint's. */
final class ErrorResponses {

    private final ErrorMapper mapper = new ErrorMapper();

    Response of(Throwable failure) {
        return mapper.of(failure);
    }
}
