package dev.moa.api.messages;

import dev.moa.api.AnthropicErrorBody;
import dev.moa.api.ErrorMapper;
import dev.moa.limits.LimitRefusal;
import dev.moa.model.MoaError;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Every failure of a Messages request in Anthropic's shape: its meaning ({@link ErrorMapper#meaning}, logged there)
 * gives the status, and Anthropic's error type for it ({@link AnthropicErrorBody#typeOf(MoaError.Kind)}); the
 * headers ({@code Retry-After}, a limited key's) are those every protocol sends.
 */
final class AnthropicErrors {

    private AnthropicErrors() {
    }

    static Response response(Throwable failure) {
        if (failure instanceof WebApplicationException e) {
            int status = e.getResponse().getStatus();
            return AnthropicErrorBody.response(status, AnthropicErrorBody.typeOf(status),
                    ErrorMapper.webMessage(status));
        }
        MoaError error = ErrorMapper.meaning(failure);
        Response.ResponseBuilder response = Response.status(error.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body(error));
        if (failure instanceof LimitRefusal refusal && refusal.kind() != LimitRefusal.Kind.MIX_NOT_ALLOWED) {
            ErrorMapper.limitHeaders(refusal, response);
        } else {
            error.retryAfter().ifPresent(after -> response.header("Retry-After", ErrorMapper.retryAfter(after)));
        }
        return response.build();
    }

    /** A failure after events went out: the {@code error} event's body. */
    static AnthropicErrorBody body(Throwable failure) {
        return (AnthropicErrorBody) response(failure).getEntity();
    }

    static AnthropicErrorBody body(MoaError error) {
        return AnthropicErrorBody.of(AnthropicErrorBody.typeOf(error.kind()), error.getMessage());
    }
}
