package dev.moa.api.messages;

import dev.moa.store.ClientKeys;
import dev.moa.testing.AnthropicErrorShape;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With client keys required: Anthropic's SDKs present theirs as {@code x-api-key}, OpenAI's as {@code Authorization:
 * Bearer}; both work on every path, and a refusal speaks the protocol of its path.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@TestProfile(MessagesAuthTest.KeysRequired.class)
class MessagesAuthTest extends UpstreamTest {

    private static final String KEY = "moa-ck-messages-7d1e";
    private static final String BODY = "{\"model\": \"auth-mix\", \"max_tokens\": 10, \"messages\": "
            + "[{\"role\": \"user\", \"content\": \"hi\"}]}";

    public static class KeysRequired implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moa.auth.required", "true");
        }
    }

    @BeforeEach
    void keys() throws IOException {
        store.mix("auth-mix", AnthropicSdkTest.mix("au"));
        Path keys = store.dir().resolve("client-keys");
        Files.createDirectories(keys);
        Files.writeString(keys.resolve("team"), ClientKeys.sha256Hex(KEY));
    }

    @Test
    void xApiKeyOrBearerOpenEveryPath() {
        assertEquals(200, given().header("x-api-key", KEY).contentType(ContentType.JSON).body(BODY)
                .when().post("/v1/messages").statusCode());
        assertEquals(200, given().header("Authorization", "Bearer " + KEY).contentType(ContentType.JSON).body(BODY)
                .when().post("/v1/messages?beta=true").statusCode());
        assertEquals(200, given().header("x-api-key", KEY).when().get("/v1/models").statusCode());
    }

    @Test
    void aRefusalUnderV1MessagesIsAnthropicsAuthenticationError() {
        String wrong = "moa-ck-wrong-3c2a";
        for (Response denied : List.of(
                given().contentType(ContentType.JSON).body(BODY).when().post("/v1/messages"),
                given().header("x-api-key", wrong).contentType(ContentType.JSON).body(BODY).when().post("/v1/messages"),
                given().header("x-api-key", wrong).contentType(ContentType.JSON).body(BODY)
                        .when().post("/v1/messages/count_tokens"))) {
            assertEquals(401, denied.statusCode(), denied.asString());
            AnthropicErrorShape.assertAnthropicError(denied, "authentication_error");
            assertFalse(denied.asString().contains(wrong), "a presented key is not echoed");
        }
        Response chat = given().header("x-api-key", wrong).when().get("/v1/models");
        assertEquals(401, chat.statusCode());
        assertEquals("invalid_api_key", chat.path("error.code"), "OpenAI's shape elsewhere");
        assertTrue(upstream.requests().isEmpty(), "no upstream call without a valid key");
    }
}
