package dev.moa.testing;

import io.restassured.response.Response;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client of {@code /v1/messages} must get on an error: Anthropic's error object, exactly. */
public final class AnthropicErrorShape {

    private AnthropicErrorShape() {
    }

    /**
     * A JSON {@code {"type": "error", "error": {"type": type, "message": ...}}}, nothing more, with a message.
     *
     * @return the message
     */
    public static String assertAnthropicError(Response response, String type) {
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        assertEquals("error", response.path("type"), response.asString());
        assertEquals(type, response.path("error.type"), response.asString());
        assertTrue(response.path("error.message") instanceof String message && !message.isBlank(), response.asString());
        assertEquals(Set.of("type", "error"), response.jsonPath().getMap("").keySet(), response.asString());
        assertEquals(Set.of("type", "message"), response.jsonPath().getMap("error").keySet(), response.asString());
        return response.path("error.message");
    }
}
