package dev.moa.api.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.AnthropicErrorBody;
import dev.moa.api.ErrorBody;
import dev.moa.api.ErrorMapper;
import dev.moa.api.EventStreamBody;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.UncheckedIOException;

/**
 * Every failure of a Messages request in Anthropic's shape, with the status (and {@code Retry-After}) the API gives
 * it on every protocol: the classification and logging are {@link ErrorMapper}'s, only the body differs.
 */
final class AnthropicErrors {

    private static final ErrorMapper MAPPER = new ErrorMapper();

    private AnthropicErrors() {
    }

    static Response response(Throwable failure) {
        Response mapped = MAPPER.of(failure);
        Response.ResponseBuilder response = Response.status(mapped.getStatus()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body(mapped));
        Object retryAfter = mapped.getHeaders().getFirst("Retry-After");
        if (retryAfter != null) {
            response.header("Retry-After", retryAfter);
        }
        return response.build();
    }

    static AnthropicErrorBody body(Throwable failure) {
        return body(MAPPER.of(failure));
    }

    static EventStreamBody.ErrorReply reply(ObjectMapper json, Throwable failure) {
        Response mapped = MAPPER.of(failure);
        try {
            return new EventStreamBody.ErrorReply(mapped.getStatus(), json.writeValueAsBytes(body(mapped)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AnthropicErrorBody body(Response mapped) {
        String message = mapped.getEntity() instanceof ErrorBody openAi && openAi.error() != null
                ? openAi.error().message() : "The server had an error while processing your request.";
        return AnthropicErrorBody.of(AnthropicErrorBody.typeOf(mapped.getStatus()), message);
    }
}
