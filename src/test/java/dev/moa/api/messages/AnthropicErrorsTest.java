package dev.moa.api.messages;

import dev.moa.api.AnthropicErrorBody;
import dev.moa.limits.LimitRefusal;
import dev.moa.model.MoaError;
import dev.moa.provider.UpstreamFailure;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every failure the Messages endpoint can answer, in Anthropic's shape with Anthropic's error type for its status:
 * the mapping is by meaning (the failure's {@link MoaError.Kind}), never read back from OpenAI's words.
 */
class AnthropicErrorsTest {

    private static AnthropicErrorBody body(Response response) {
        return (AnthropicErrorBody) response.getEntity();
    }

    private static void assertAnthropic(Response response, int status, String type) {
        assertEquals(status, response.getStatus());
        assertEquals("application/json", response.getMediaType().toString());
        AnthropicErrorBody body = body(response);
        assertEquals("error", body.type());
        assertEquals(type, body.error().type(), "status " + status);
        assertTrue(body.error().message() != null && !body.error().message().isBlank());
    }

    @ParameterizedTest
    @CsvSource({
            "INVALID_REQUEST, 400, invalid_request_error",
            "AUTHENTICATION, 401, authentication_error",
            "PERMISSION, 403, permission_error",
            "NOT_FOUND, 404, not_found_error",
            "CONFLICT, 409, invalid_request_error",
            "REQUEST_TOO_LARGE, 413, request_too_large",
            "RATE_LIMITED, 429, rate_limit_error",
            "SERVER, 500, api_error",
            "UPSTREAM, 502, api_error",
            "UNAVAILABLE, 503, api_error",
            "TIMEOUT, 504, api_error"})
    void everyMeaningHasAnthropicsTypeForItsStatus(MoaError.Kind kind, int status, String type) {
        Response response = AnthropicErrors.response(new MoaError(kind, "x", "some_code", "what happened"));
        assertAnthropic(response, status, type);
        assertEquals("what happened", body(response).error().message());
    }

    @Test
    void aRetryAfterIsKept() {
        Response response = AnthropicErrors.response(new MoaError(MoaError.Kind.RATE_LIMITED, null, null, "slow down",
                Duration.ofMillis(1500)));
        assertAnthropic(response, 429, "rate_limit_error");
        assertEquals("2", response.getHeaderString("Retry-After"));
    }

    @ParameterizedTest
    @CsvSource({
            "REQUESTS_PER_MINUTE, 429, rate_limit_error",
            "TOKENS_PER_MINUTE, 429, rate_limit_error",
            "BUDGET, 429, rate_limit_error",
            "MAX_COST, 400, invalid_request_error",
            "UNPRICED_AGENT, 400, invalid_request_error",
            "UNAVAILABLE, 503, api_error",
            "INVALID_KEY_DOCUMENT, 500, api_error",
            "MIX_NOT_ALLOWED, 404, not_found_error"})
    void aLimitRefusalHasItsStatusAnthropicsTypeAndTheKeysHeaders(LimitRefusal.Kind kind, int status, String type) {
        boolean waits = kind == LimitRefusal.Kind.REQUESTS_PER_MINUTE;
        Response response = AnthropicErrors.response(new LimitRefusal(kind, "refused", waits
                ? Optional.of(Duration.ofSeconds(7)) : Optional.empty(), Map.of("x-ratelimit-limit-requests", "2")));
        assertAnthropic(response, status, type);
        assertEquals(status, kind.status(), "the same status as on chat");
        if (kind == LimitRefusal.Kind.MIX_NOT_ALLOWED) {
            assertNull(response.getHeaderString("x-ratelimit-limit-requests"), "no such mix: nothing about limits");
            return;
        }
        assertEquals("2", response.getHeaderString("x-ratelimit-limit-requests"));
        assertEquals(waits ? "7" : null, response.getHeaderString("Retry-After"));
        assertEquals(waits ? null : "false", response.getHeaderString("x-should-retry"));
    }

    @Test
    void theFrameworksOwnRefusalsAndTheUnexpectedToo() {
        assertAnthropic(AnthropicErrors.response(new NotAllowedException("GET")), 405, "invalid_request_error");
        assertAnthropic(AnthropicErrors.response(new WebApplicationException(413)), 413, "request_too_large");
        assertAnthropic(AnthropicErrors.response(new WebApplicationException(415)), 415, "invalid_request_error");
        Response unexpected = AnthropicErrors.response(new IllegalStateException("sk-secret in a message"));
        assertAnthropic(unexpected, 500, "api_error");
        assertTrue(!body(unexpected).error().message().contains("sk-secret"), "an unexpected message is not shown");
    }

    @Test
    void anAnswerCutOffMidStreamIsAnApiError() {
        assertEquals("api_error", MessageEvents.interrupted(UpstreamFailure.deadline()).error().type());
        assertEquals("api_error", MessageEvents.interrupted(UpstreamFailure.connection("reset")).error().type());
    }
}
