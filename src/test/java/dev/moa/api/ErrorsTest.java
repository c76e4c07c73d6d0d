package dev.moa.api;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every error is an OpenAI error object with a JSON content type: never HTML, never a stack trace. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ErrorsTest extends UpstreamTest {

    @BeforeEach
    void reset() {
        store.mix("simple", """
                {"layers": [{"agents": [{"provider": "fake", "model": "e1"}]}, {"agents": [{"provider": "fake", "model": "e2"}]}]}""");
    }

    private static ValidatableResponse post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions").then()
                .contentType(ContentType.JSON)
                .body("error.message", not(containsString("Exception")))
                .body("error.message", not(containsString("at dev.moa")));
    }

    private static ValidatableResponse badRequest(String body, String param, String message) {
        return post(body).statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", param == null ? nullValue() : equalTo(param))
                .body("error.message", containsString(message));
    }

    @Test
    void malformedJson() {
        badRequest("{\"model\": \"simple\", \"messages\": [", null, "could not parse the JSON body");
        badRequest("", null, "must be a JSON object");
        badRequest("[1,2]", null, "must be a JSON object");
    }

    @Test
    void missingEmptyOrNonListMessages() {
        badRequest("{\"model\": \"simple\"}", "messages", "Missing required parameter: 'messages'");
        badRequest("{\"model\": \"simple\", \"messages\": []}", "messages", "at least one message");
        badRequest("{\"model\": \"simple\", \"messages\": \"hi\"}", "messages", "must be a list");
    }

    @Test
    void badMessages() {
        badRequest("{\"model\": \"simple\", \"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}",
                "messages[0].role", "Invalid value: 'wizard'");
        badRequest("{\"model\": \"simple\", \"messages\": [{\"content\": \"x\"}]}", "messages[0].role", "Missing");
        badRequest("{\"model\": \"simple\", \"messages\": [{\"role\": \"user\"}]}", "messages[0].content", "Missing");
        badRequest("{\"model\": \"simple\", \"messages\": [{\"role\": \"user\", \"content\": "
                + "[{\"type\": \"image_url\", \"image_url\": {\"url\": \"http://x/y.png\"}}]}]}",
                "messages[0].content[0]", "'image_url' is not supported");
    }

    @Test
    void wrongTypesAndOutOfRangeValues() {
        String messages = ", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}";
        badRequest("{\"model\": \"simple\", \"temperature\": \"hot\"" + messages, "temperature", "must be a number");
        badRequest("{\"model\": \"simple\", \"temperature\": 2.5" + messages, "temperature", "between 0 and 2");
        badRequest("{\"model\": \"simple\", \"max_tokens\": -5" + messages, "max_tokens", "at least 1");
        badRequest("{\"model\": \"simple\", \"top_p\": 1.5" + messages, "top_p", "between 0 and 1");
        badRequest("{\"model\": \"simple\", \"stream\": \"yes\"" + messages, "stream", "true or false");
        badRequest("{\"model\": \"simple\", \"n\": 2" + messages, "n", "'n' greater than 1 is not supported");
        badRequest("{\"model\": 42" + messages, "model", "must be a non-empty string");
        badRequest("{\"temperature\": 1" + messages, "model", "Missing required parameter: 'model'");
        assertTrue(upstream.requests().isEmpty(), "no bad request reaches a provider");
    }

    @Test
    void aBodyOverSixMegabytesIs413() {
        String big = "x".repeat(6 * 1024 * 1024);
        post("{\"model\": \"simple\", \"messages\": [{\"role\": \"user\", \"content\": \"" + big + "\"}]}")
                .statusCode(413).body("error.code", equalTo("request_too_large"));
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void textPartsAreAccepted() {
        post("{\"model\": \"simple\", \"messages\": [{\"role\": \"user\", \"content\": "
                + "[{\"type\": \"text\", \"text\": \"hello\"}]}]}").statusCode(200);
        org.junit.jupiter.api.Assertions.assertEquals("hello",
                upstream.only("e1").messages().get(0).path("content").asText());
    }

    @Test
    void unknownMixIs404ModelNotFound() {
        post("{\"model\": \"no-such-mix\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .statusCode(404)
                .body("error.code", equalTo("model_not_found"))
                .body("error.param", equalTo("model"))
                .body("error.message", containsString("no-such-mix"));
        post("{\"model\": \"../providers/fake\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .statusCode(404).body("error.code", equalTo("model_not_found"));
    }

    @Test
    void unknownRouteAndWrongMethodAreJsonErrors() {
        given().when().get("/v1/nothing-here").then().statusCode(404).contentType(ContentType.JSON)
                .body("error.code", equalTo("unknown_url"))
                .body("error.message", equalTo("Invalid URL (GET /v1/nothing-here)"));
        given().when().post("/").then().statusCode(404).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"));
        given().when().get("/v1/chat/completions").then().statusCode(405).contentType(ContentType.JSON)
                .body("error.type", equalTo("invalid_request_error"));
    }

    @Test
    void subPathsOfRealRoutesAreUnknownUrlsAndSlashedModelIdsUnknownModels() {
        given().contentType(ContentType.JSON).body("{}").when().post("/v1/chat/completions/x").then().statusCode(404)
                .contentType(ContentType.JSON)
                .body("error.code", equalTo("unknown_url"))
                .body("error.message", equalTo("Invalid URL (POST /v1/chat/completions/x)"));
        given().when().get("/v1/responses/resp_1/input_items/x").then().statusCode(404).contentType(ContentType.JSON)
                .body("error.code", equalTo("unknown_url"))
                .body("error.message", equalTo("Invalid URL (GET /v1/responses/resp_1/input_items/x)"));
        given().when().get("/v1/models/a/b").then().statusCode(404).contentType(ContentType.JSON)
                .body("error.code", equalTo("model_not_found"))
                .body("error.message", containsString("a/b"));
    }

    @Test
    void aBadMixDocumentNamesTheDocumentAndThePath() {
        store.mix("typo", """
                {"layers": [{"agents": [{"provider": "opneai", "model": "x"}]},
                            {"agents": [{"provider": "fake", "model": "y"}]}]}""");
        post("{\"model\": \"typo\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .statusCode(500)
                .body("error.code", equalTo("invalid_mix_document"))
                .body("error.message", containsString("mix \"typo\""))
                .body("error.message", containsString("layers[0].agents[0].provider: unknown provider \"opneai\""));
        store.mix("broken", "{\"layers\": [");
        post("{\"model\": \"broken\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .statusCode(500).body("error.message", containsString("mix \"broken\""))
                .body("error.message", containsString("not valid JSON"));
        // Other mixes keep serving.
        post("{\"model\": \"simple\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}").statusCode(200);
    }
}
