package dev.moa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code target/function.zip}, run as Lambda runs it (the official runtime interface client, a Runtime
 * API on loopback), answers API Gateway HTTP API events on the template's three routes, and a misconfigured function
 * fails its init phase.
 */
class PackagedFunctionIT {

    private static final String CHAT = "/v1/chat/completions";
    private static final String MIX = "{\"layers\": ["
            + "{\"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\"},"
            + "              {\"provider\": \"fake\", \"model\": \"proposer-b\"}]},"
            + "{\"agents\": [{\"provider\": \"fake\", \"model\": \"aggregator\"}]}]}";

    private static final ObjectMapper JSON = new ObjectMapper();
    @AutoClose
    private static FakeUpstream upstream;
    private static TestStore store;
    @AutoClose
    private static PackagedFunction function;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-packaged-store"), upstream.baseUrl());
        store.mix("duo", MIX);
        store.mix("ranked", "{\"layers\": ["
                + "{\"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\"},"
                + "              {\"provider\": \"fake\", \"model\": \"proposer-b\"}]},"
                + "{\"aggregate\": \"rank\", \"agents\": [{\"provider\": \"fake\", \"model\": \"ranker\"}]}]}");
        store.mix("agreeing", "{\"layers\": ["
                + "{\"early_stop\": {\"when\": \"unanimous\"}, \"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\"},"
                + "              {\"provider\": \"fake\", \"model\": \"proposer-b\"}]},"
                + "{\"agents\": [{\"provider\": \"fake\", \"model\": \"aggregator\"}]}]}");
        store.mix("stepped", "{\"layers\": ["
                + "{\"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\", \"samples\": 3}]},"
                + "{\"aggregate\": {\"mode\": \"sequential\", \"window\": 2},"
                + " \"agents\": [{\"provider\": \"fake\", \"model\": \"aggregator\"}]}]}");
        store.provider("fake-big", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl()
                + "\", \"max_response_bytes\": 16777216}");
        store.mix("huge", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\"}]},"
                + "{\"agents\": [{\"provider\": \"fake-big\", \"model\": \"huge-aggregator\"}]}]}");
        function = PackagedFunction.fromMavenBuild()
                .store(store)
                .start();
        function.initDuration();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
    }

    @Test
    void answersAChatCompletionThroughTheMix() {
        upstream.script("aggregator", new FakeUpstream.Answer("the mixed answer", "stop"));
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"duo\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello?\"}]}"));

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.headers().toString());
        JsonNode body = response.json(JSON);
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("duo", body.path("model").asText());
        assertEquals("assistant", body.at("/choices/0/message/role").asText());
        assertEquals("the mixed answer", body.at("/choices/0/message/content").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());

        List<FakeUpstream.Recorded> calls = upstream.requests();
        assertEquals(3, calls.size());
        long upstreamTokens = calls.stream().mapToLong(c -> c.usage().path("total_tokens").asLong()).sum();
        assertEquals(upstreamTokens, body.at("/usage/total_tokens").asLong());
        // The key travels from the function's environment to the upstream, and nowhere else.
        calls.forEach(call -> assertEquals("Bearer " + TestStore.SECRET_KEY, call.header("authorization")));
        assertFalse(response.body().contains(TestStore.SECRET_KEY));
        assertTrue(upstream.only("aggregator").system().contains("answer from proposer-a"));
    }

    @Test
    void strategiesWorkThroughThePackagedFunction() {
        upstream.script("proposer-b", new FakeUpstream.Answer("<think>long musing</think>Answer B, verbatim.", "stop"));
        upstream.script("ranker", new FakeUpstream.Answer("2", "stop"));
        JsonNode ranked = function.call(HttpApiEvent.postJson(CHAT, "{\"model\": \"ranked\", \"moa\": {\"trace\": true},"
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}")).json(JSON);
        assertEquals("Answer B, verbatim.", ranked.at("/choices/0/message/content").asText());
        assertFalse(upstream.only("ranker").system().contains("long musing"), "thinking never reaches the ranker");
        assertEquals(2, ranked.at("/moa/layers/1/agents/0/rank/chosen").asInt());

        upstream.reset();
        upstream.script("proposer-a", new FakeUpstream.Answer("42", "stop"));
        upstream.script("proposer-b", new FakeUpstream.Answer("42.", "stop"));
        JsonNode stopped = function.call(HttpApiEvent.postJson(CHAT, "{\"model\": \"agreeing\","
                + " \"messages\": [{\"role\": \"user\", \"content\": \"6 x 7?\"}]}")).json(JSON);
        assertEquals("42", stopped.at("/choices/0/message/content").asText());
        assertTrue(upstream.requests("aggregator").isEmpty(), "the aggregator was skipped");

        upstream.reset();
        upstream.script("aggregator", new FakeUpstream.Answer("first synthesis", "stop"), new FakeUpstream.Answer("final", "stop"));
        JsonNode stepped = function.call(HttpApiEvent.postJson(CHAT, "{\"model\": \"stepped\","
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}")).json(JSON);
        assertEquals("final", stepped.at("/choices/0/message/content").asText());
        assertEquals(2, upstream.requests("aggregator").size());
        assertTrue(upstream.requests("aggregator").get(1).system().contains("1. first synthesis"));
        assertEquals(upstream.requests().stream().mapToLong(c -> c.usage().path("total_tokens").asLong()).sum(),
                stepped.at("/usage/total_tokens").asLong());

        upstream.reset();
        HttpApiResponse dry = function.call(HttpApiEvent.postJson(CHAT, "{\"model\": \"stepped\", \"moa\": {\"dry_run\": true},"
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));
        assertEquals(200, dry.statusCode(), dry.body());
        assertEquals(5, dry.json(JSON).at("/moa/calls").asInt(), "three samples, then two sequential steps");
        assertTrue(upstream.requests().isEmpty(), "a dry run calls nothing");
        assertFalse(dry.body().contains(TestStore.SECRET_KEY));

        HttpApiResponse model = function.call(
                HttpApiEvent.route("GET /v1/models/{id}", "/v1/models/stepped", Map.of("id", "stepped")));
        assertEquals(5, model.json(JSON).at("/moa/calls_per_request").asInt(), model.body());
    }

    @Test
    void streamsAsServerSentEvents() {
        upstream.script("aggregator", new FakeUpstream.Answer("streamed answer", "stop"));
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"duo\", \"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.header("content-type").startsWith("text/event-stream"), response.headers().toString());
        assertTrue(response.body().contains("\"content\":\"streamed answer\""), response.body());
        assertTrue(response.body().endsWith("data: [DONE]\n\n"), response.body());
    }

    @Test
    void readsABase64EncodedBody() {
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"duo\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}").base64Encoded());

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("answer from aggregator", response.json(JSON).at("/choices/0/message/content").asText());
    }

    @Test
    void listsTheMixesAsModels() {
        HttpApiResponse response = function.call(HttpApiEvent.of("GET", "/v1/models"));

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.headers().toString());
        JsonNode body = response.json(JSON);
        assertEquals("list", body.path("object").asText());
        List<String> ids = StreamSupport.stream(body.path("data").spliterator(), false)
                .map(model -> model.path("id").asText()).toList();
        assertEquals(List.of("agreeing", "duo", "huge", "ranked", "stepped"), ids);
        assertEquals("model", body.at("/data/0/object").asText());
    }

    @Test
    void getsOneModelByItsPathParameter() {
        HttpApiResponse response = function.call(
                HttpApiEvent.route("GET /v1/models/{id}", "/v1/models/duo", Map.of("id", "duo")));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("duo", response.json(JSON).path("id").asText());
        assertEquals("moa", response.json(JSON).path("owned_by").asText());
    }

    @Test
    void unknownModelIsAn404ErrorObject() {
        HttpApiResponse response = function.call(
                HttpApiEvent.route("GET /v1/models/{id}", "/v1/models/nope", Map.of("id", "nope")));

        assertError(response, 404, "invalid_request_error", "model_not_found");
    }

    @Test
    void unknownMixIsAn404ErrorObject() {
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"no-such-mix\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));

        JsonNode error = assertError(response, 404, "invalid_request_error", "model_not_found");
        assertEquals("model", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("no-such-mix"), error.toString());
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void malformedBodyIsA400ErrorObject() {
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT, "{\"model\": \"duo\", \"messages\": ["));

        JsonNode error = assertError(response, 400, "invalid_request_error", null);
        assertTrue(error.path("message").asText().contains("not valid JSON"), error.toString());
        assertTrue(upstream.requests().isEmpty());
    }

    /** Lambda refuses responses over 6 MB; the function answers with its own error object before that happens. */
    @Test
    void anAnswerTooLargeForLambdaIsAnErrorObject() {
        upstream.script("huge-aggregator", new FakeUpstream.Answer("x".repeat(7 * 1024 * 1024), "stop"));
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"huge\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));

        JsonNode error = assertError(response, 502, "upstream_error", "response_too_large");
        assertTrue(error.path("message").asText().contains("6 MB"), error.toString());
    }

    /** A key an upstream echoes, even cut where its message is shortened, reaches neither the client nor the log. */
    @Test
    void anEchoedKeyReachesNeitherTheResponseNorTheFunctionLog() throws Exception {
        String echo = "Incorrect API key provided: " + "z".repeat(290) + TestStore.SECRET_KEY;
        upstream.script("aggregator", new FakeUpstream.Status(401, echo, Map.of()));
        HttpApiResponse response = function.call(HttpApiEvent.postJson(CHAT,
                "{\"model\": \"duo\", \"moa\": {\"trace\": true}, \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}"));

        assertError(response, 502, "upstream_error", "upstream_failed");
        String log = Files.readString(function.process().log());
        assertTrue(log.contains("HTTP 401: Incorrect API key provided"), log);
        for (int i = 0; i + 12 <= TestStore.SECRET_KEY.length(); i++) {
            String fragment = TestStore.SECRET_KEY.substring(i, i + 12);
            assertFalse(response.body().contains(fragment), response.body());
            assertFalse(log.contains(fragment), "the function log holds a key fragment");
        }
    }

    /**
     * Paths the function does not serve, as API Gateway or a Function URL would hand them over (HTTP API routes
     * keep most of them out, but not all front doors do): a 4xx OpenAI error object with a JSON content type, and
     * nothing of the path starts a line in the function's log.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/models/a b", "/v1/models/a\r\nINFO forged line", "/v1/models/a%0D%0AINFO%20forged%20line",
            "/v1/models/%ZZ", "/v1/chat/completions/x", "/v1/models/a/b", "/v1/models/", "/v1/\u0000",
            "/v1/models/\u2028INFO forged line"})
    void strayPathsAreErrorObjects(String path) throws Exception {
        boolean model = path.startsWith("/v1/models/") && path.indexOf('/', 11) < 0 && path.length() > 11;
        HttpApiEvent event = model
                ? HttpApiEvent.route("GET /v1/models/{id}", path, Map.of("id", java.net.URLDecoder.decode(
                        path.substring(11).replace("%ZZ", "%25ZZ"), java.nio.charset.StandardCharsets.UTF_8)))
                : HttpApiEvent.of("GET", path);
        long logBefore = Files.size(function.process().log());
        HttpApiResponse response = function.call(event);

        assertTrue(response.statusCode() >= 400 && response.statusCode() < 500, path + ": " + response.statusCode()
                + " " + response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.headers().toString());
        assertTrue(response.json(JSON).path("error").path("message").isTextual(), response.body());
        byte[] log = Files.readAllBytes(function.process().log());
        String added = new String(log, (int) logBefore, log.length - (int) logBefore, java.nio.charset.StandardCharsets.UTF_8);
        for (String line : added.split("\\R")) {
            assertFalse(line.startsWith("INFO forged"), "a forged log line: " + line);
        }
    }

    private static JsonNode assertError(HttpApiResponse response, int status, String type, String code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.header("content-type").startsWith("application/json"), response.headers().toString());
        JsonNode error = response.json(JSON).path("error");
        assertTrue(error.isObject(), response.body());
        assertEquals(type, error.path("type").asText());
        if (code == null) {
            assertTrue(error.path("code").isNull(), error.toString());
        } else {
            assertEquals(code, error.path("code").asText());
        }
        assertTrue(error.has("param") && error.has("message"), error.toString());
        return error;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssm-typo:/moa/prod", "file:/no/such/moa-store"})
    void aMisconfiguredStoreFailsInitAndIsReportedToTheRuntimeApi(String misconfigured) throws Exception {
        try (PackagedFunction broken = PackagedFunction.fromMavenBuild().environment("MOA_STORE", misconfigured)
                .start()) {
            if (broken.isNative()) {
                // Quarkus' native Lambda runtime exits during init without posting /runtime/init/error; Lambda then
                // reports the init failure itself (Runtime.ExitError). What must hold: it fails, never serves.
                assertNotEquals(0, broken.exitCode());
            } else {
                LambdaRuntimeApi.InitError error = broken.initError();

                assertTrue(error.errorType() != null && !error.errorType().isBlank(), error.toString());
                assertFalse(JSON.readTree(error.body()).path("errorMessage").asText().isBlank(), error.body());
                assertNotEquals(0, broken.exitCode());
            }
            assertFalse(broken.runtimeApi().firstPoll().isDone(), "the function asked for an event after failing init");
            // The init error names only the outer failure; the cause is in the function's log (CloudWatch on Lambda).
            String log = Files.readString(broken.process().log());
            String value = misconfigured.substring(misconfigured.indexOf(':') + 1);
            assertTrue(log.contains(value), log);
        }
    }
}
