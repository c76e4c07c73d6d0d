package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.CapturedLog;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Answer;
import dev.moa.testing.FakeUpstream.Endless;
import dev.moa.testing.FakeUpstream.Json;
import dev.moa.testing.FakeUpstream.Status;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A careless provider and a hostile client, one case per promise of issue #10: what the client receives and what
 * the log shows. The proposer "p1" of a two-proposer layer misbehaves unless a case says otherwise.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class AdversarialMatrixTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = TestStore.SECRET_KEY;
    private static final String CLIENT_KEY = "moa-client-7d1c44be90a2f3e5aa81";
    private static final String USER = "[{\"role\": \"user\", \"content\": \"x\"}]";

    private CapturedLog log;

    @BeforeEach
    void setUp() {
        log = CapturedLog.install();
        store.provider("fake-small", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl()
                + "\", \"api_key\": {\"env\": \"" + TestStore.KEY_VARIABLE + "\"}, \"max_response_bytes\": 65536}");
        store.provider("fake-big", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl()
                + "\", \"api_key\": {\"env\": \"" + TestStore.KEY_VARIABLE + "\"}, \"max_response_bytes\": 16777216}");
        store.mix("duo", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "p1", "retries": 0}, {"provider": "fake", "model": "p2"}]},
                  {"agents": [{"provider": "fake", "model": "agg", "retries": 0}]}]}""");
    }

    @AfterEach
    void tearDown() {
        log.close();
    }

    private static Response post(String mix, String extra) {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + CLIENT_KEY)
                .body("{\"model\": \"" + mix + "\", \"moa\": {\"trace\": true}, \"messages\": " + USER + extra + "}")
                .when().post("/v1/chat/completions");
    }

    /** Not the key, nor any run of 12 of its characters. */
    private static void assertNoFragment(String where, String text, String key) {
        for (int i = 0; i + 12 <= key.length(); i++) {
            String fragment = key.substring(i, i + 12);
            assertFalse(text.contains(fragment), where + " contains \"" + fragment + "\" of a key:\n" + text);
        }
    }

    private void assertNoSecretAnywhere(Response response) {
        for (String key : List.of(KEY, CLIENT_KEY)) {
            assertNoFragment("the response", response.asString(), key);
            assertNoFragment("the log", log.text(), key);
            for (FakeUpstream.Recorded call : upstream.requests()) {
                assertNoFragment("a request to " + call.model(), call.body().toString(), key);
            }
        }
    }

    private static JsonNode json(Response response) {
        assertTrue(response.contentType().startsWith("application/json"), response.contentType());
        try {
            return JSON.readTree(response.asString());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.asString(), e);
        }
    }

    /** A request sent as raw bytes, so no client library "fixes" (or refuses) a hostile path first. */
    private record RawResponse(int status, String contentType, String body) {

        static RawResponse send(String method, String path) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
                String request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
                socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String text = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                int headEnd = text.indexOf("\r\n\r\n");
                String head = headEnd < 0 ? text : text.substring(0, headEnd);
                int status = Integer.parseInt(head.split(" ")[1]);
                String type = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:"))
                        .map(l -> l.substring(13).strip()).findFirst().orElse("");
                String body = headEnd < 0 ? "" : text.substring(headEnd + 4);
                if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                    body = dechunk(body);
                }
                return new RawResponse(status, type, body);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static String dechunk(String body) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int lineEnd = body.indexOf("\r\n", at);
                int size = Integer.parseInt(body.substring(at, lineEnd).strip(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(body, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }
    }

    // ---- 1. one redaction point for secrets ----

    @Test
    void aKeyEchoedInALongErrorIsRedactedBeforeTheMessageIsShortened() {
        // The key straddles the 300th character, where the upstream's message is cut.
        String message = "Incorrect API key provided: " + "z".repeat(285) + KEY + " and more text";
        upstream.script("p1", new Status(401, message, Map.of()));
        upstream.script("agg", new Status(401, message, Map.of()));
        Response response = post("duo", "");
        assertEquals(502, response.statusCode());
        JsonNode error = json(response).path("error");
        assertTrue(error.path("message").asText().contains("HTTP 401: Incorrect API key provided"), error.toString());
        assertNoSecretAnywhere(response);
        assertTrue(log.text().contains("HTTP 401"), "the failure is logged: " + log.text());
    }

    @Test
    void aKeyEchoedInAShortErrorOrInAnswersIsRedactedEverywhere() {
        upstream.script("p1", new Status(400, "bad key " + KEY, Map.of()));
        upstream.script("p2", new Answer("your keys are " + KEY + " and " + CLIENT_KEY.substring(3, 20) + ".", "stop"));
        upstream.script("agg", new Answer("final: " + KEY.substring(0, 14) + "|" + CLIENT_KEY, "stop"));
        Response response = post("duo", "");
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode body = json(response);
        assertEquals("final: [redacted]|[redacted]", body.at("/choices/0/message/content").asText());
        assertEquals("your keys are [redacted] and [redacted].", body.at("/moa/layers/0/agents/1/output").asText());
        assertTrue(upstream.only("agg").system().contains("your keys are [redacted] and [redacted]."));
        assertTrue(body.at("/moa/layers/0/agents/0/error").asText().contains("bad key [redacted]"));
        assertNoSecretAnywhere(response);
    }

    // ---- 2. log hygiene ----

    @Test
    void controlCharactersFromAnUpstreamAreEscapedInTheLog() {
        upstream.script("agg", new Json(500, "{\"error\": {\"message\": \"down\\u001b[2J\\u0000 FORGED\\u2028INFO forged\"}}",
                Map.of()));
        assertEquals(502, post("duo", "").statusCode());
        List<String> ours = log.records().stream().filter(r -> r.contains("layer 2")).toList();
        assertFalse(ours.isEmpty(), log.text());
        for (String record : ours) {
            assertTrue(record.chars().noneMatch(c -> c < 0x20 || c == 0x2028), record);
            assertTrue(record.contains("\\u001b[2J\\u0000"), record);
        }
    }

    @Test
    void anEncodedCrLfInAPathNeverForgesALogLine() {
        String forged = "INFO (dev.moa) forged entry";
        for (String path : List.of("/v1/models/a%0D%0A" + forged.replace(" ", "%20"),
                "/v1/nothing%0A" + forged.replace(" ", "%20"), "/v1/chat/completions%0D%0A" + forged.replace(" ", "%20"))) {
            RawResponse response = RawResponse.send("GET", path);
            assertTrue(response.status() >= 400 && response.status() < 500, path + ": " + response);
            assertTrue(response.contentType().startsWith("application/json"), response.toString());
            assertNotNull(response.json().path("error").path("message").textValue(), response.toString());
            assertFalse(response.body().contains("\r\n"), response.toString());
        }
        for (String line : log.text().split("\\R")) {
            assertFalse(line.startsWith(forged), log.text());
        }
    }

    // ---- 3. bounded reads ----

    /** "small": proposer p1 through a provider that reads at most 64 KB of an answer. */
    private void storeSmallMix() {
        store.mix("small", """
                {"layers": [
                  {"agents": [{"provider": "fake-small", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                  {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
    }

    @Test
    void anEndlessBodyIsCutAtMaxResponseBytesAndItsConnectionClosed() throws Exception {
        storeSmallMix();
        upstream.script("p1", new Endless());
        Response response = post("small", "");
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode agent = json(response).at("/moa/layers/0/agents/0");
        assertTrue(agent.path("error").asText().startsWith("response_too_large"), agent.toString());
        assertEquals(1, agent.path("attempts").size(), "too large is not retried: " + agent);
        assertTrue(upstream.awaitDisconnects("p1", 1), "the connection was closed");
    }

    @Test
    void aCompleteAnswerOverMaxResponseBytesFailsToo() {
        storeSmallMix();
        upstream.script("p1", new Answer("y".repeat(70_000), "stop"));
        JsonNode agent = json(post("small", "")).at("/moa/layers/0/agents/0");
        assertTrue(agent.path("error").asText().contains("max_response_bytes (65536 bytes)"), agent.toString());
        assertFalse(upstream.only("agg").system().contains("yyyy"));
    }

    // ---- 4. bounded references and responses ----

    /** "huge": an aggregator whose provider reads up to 16 MB, so only the response's own limit stops its answer. */
    private void storeHugeMix() {
        store.mix("huge", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "p1"}]},
                  {"agents": [{"provider": "fake-big", "model": "agg"}]}]}""");
    }

    @Test
    void aLongReferenceIsCutToMaxReferenceTokensWithAMarkerAndTheTraceSaysSo() {
        store.mix("capped", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                  {"max_reference_tokens": 10, "agents": [{"provider": "fake", "model": "agg"}]}]}""");
        upstream.script("p1", new Answer("a".repeat(100), "stop"));
        JsonNode body = json(post("capped", ""));
        String system = upstream.only("agg").system();
        assertTrue(system.contains("1. " + "a".repeat(40) + "\n\n[… reference truncated: about 25 tokens, cut to 10"
                + " (max_reference_tokens)]"), system);
        assertFalse(system.contains("a".repeat(41)), system);
        assertTrue(system.endsWith("2. answer from p2"), system);
        assertEquals(25, body.at("/moa/layers/0/agents/0/reference_truncated").asLong(), body.toString());
        assertTrue(body.at("/moa/layers/0/agents/1/reference_truncated").isMissingNode(), body.toString());
        assertEquals(100, body.at("/moa/layers/0/agents/0/output").asText().length(), "the trace keeps the answer");
    }

    @Test
    void aSevenMegabyteProposerAnswerReachesTheAggregatorCutToTheDefaultLimit() {
        store.mix("big", """
                {"layers": [
                  {"agents": [{"provider": "fake-big", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                  {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
        upstream.script("p1", new Answer("b".repeat(7 * 1024 * 1024), "stop"));
        Response response = given().contentType(ContentType.JSON)
                .body("{\"model\": \"big\", \"messages\": " + USER + "}").when().post("/v1/chat/completions");
        assertEquals(200, response.statusCode());
        String system = upstream.only("agg").system();
        assertTrue(system.contains("b".repeat(8192 * 4) + "\n\n[… reference truncated"), "cut at 8192 tokens");
        assertTrue(system.length() < 40_000, "length " + system.length());
    }

    @Test
    void anAnswerThatWouldMakeAResponseOverSixMegabytesIsAnErrorObject() {
        storeHugeMix();
        upstream.script("agg", new Answer("c".repeat(7 * 1024 * 1024), "stop"));
        for (String stream : List.of("", ", \"stream\": true")) {
            Response response = post("huge", stream);
            assertEquals(502, response.statusCode());
            JsonNode error = json(response).path("error");
            assertEquals("response_too_large", error.path("code").asText(), error.toString());
            assertTrue(error.path("message").asText().contains("6 MB"), error.toString());
            assertTrue(response.asString().length() < 2000);
        }
    }

    /**
     * The size is measured as Lambda carries the body, not guessed from the answer's length: a million control
     * characters are a 1 MB answer but a 7 MB payload once escaped twice, and are refused; 800,000 plain characters
     * fit, whether measured or skipped as surely fitting.
     */
    @Test
    void anAnswerOfControlCharactersIsMeasuredEscapedAndAPlainOneUnderTheLimitPasses() {
        storeHugeMix();
        upstream.script("agg", new Answer("\u0001".repeat(1_000_000), "stop"));
        Response refused = post("huge", "");
        assertEquals(502, refused.statusCode(), refused.asString().substring(0, 200));
        assertEquals("response_too_large", json(refused).at("/error/code").asText());
        upstream.script("agg", new Answer("c".repeat(800_000), "stop"));
        Response fits = post("huge", "");
        assertEquals(200, fits.statusCode());
        assertEquals(800_000, json(fits).at("/choices/0/message/content").asText().length());
    }

    // ---- 5. sane usage ----

    @Test
    void negativeCountsBecomeZeroSumsSaturateAndAMissingTotalIsComputed() {
        upstream.script("p1", Json.ok(completion("p1", "{\"prompt_tokens\": -5, \"completion_tokens\": -7, "
                + "\"total_tokens\": -12}")));
        upstream.script("p2", Json.ok(completion("p2", "{\"prompt_tokens\": 9223372036854775807, "
                + "\"completion_tokens\": 99999999999999999999999, \"total_tokens\": 9223372036854775807}")));
        upstream.script("agg", Json.ok(completion("agg", "{\"prompt_tokens\": 3, \"completion_tokens\": 4}")));
        JsonNode body = json(post("duo", ""));
        assertEquals(Long.MAX_VALUE, body.at("/usage/prompt_tokens").asLong(), body.toString());
        assertEquals(Long.MAX_VALUE, body.at("/usage/completion_tokens").asLong());
        assertEquals(Long.MAX_VALUE, body.at("/usage/total_tokens").asLong());
        assertEquals(0, body.at("/moa/layers/0/agents/0/usage/prompt_tokens").asLong());
        assertEquals(0, body.at("/moa/layers/0/agents/0/usage/total_tokens").asLong());
        assertEquals(7, body.at("/moa/layers/1/agents/0/usage/total_tokens").asLong(), "3 + 4, computed");
    }

    private static String completion(String model, String usage) {
        return "{\"id\": \"x\", \"object\": \"chat.completion\", \"model\": \"" + model + "\", \"choices\": [{\"index\": 0, "
                + "\"message\": {\"role\": \"assistant\", \"content\": \"answer from " + model + "\"}, "
                + "\"finish_reason\": \"stop\"}], \"usage\": " + usage + "}";
    }

    // ---- 6. Retry-After done right ----

    @ParameterizedTest
    @ValueSource(strings = {"Retry-After=0", "Retry-After=1", "retry-after-ms=300", "Retry-After=date"})
    void aRateLimitIsRetriedAfterTheWaitItAsksFor(String header) {
        String[] parts = header.split("=");
        String value = parts[1].equals("date")
                ? DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2))
                : parts[1];
        store.mix("retry", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "p1"}]},
                  {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
        upstream.script("p1", new Status(429, "slow down", Map.of(parts[0], value)), new Answer(null, "stop"));
        JsonNode body = json(post("retry", ""));
        assertEquals("answer from p1", body.at("/moa/layers/0/agents/0/output").asText(), body.toString());
        assertEquals(2, body.at("/moa/layers/0/agents/0/attempts").size());
        List<FakeUpstream.Recorded> calls = upstream.requests("p1");
        long waitedMs = (calls.get(1).startNanos() - calls.get(0).endNanos()) / 1_000_000;
        long askedMs = switch (value) {
            case "0" -> 0;
            case "1" -> 1000;
            case "300" -> 300;
            default -> 900; // an HTTP-date 2 s ahead, at whole-second precision
        };
        assertTrue(waitedMs >= askedMs, "waited " + waitedMs + " ms, asked " + askedMs);
    }

    // ---- 7. strict input ----

    @Test
    void exactlyOneJsonValuePerBody() {
        String one = "{\"model\": \"duo\", \"messages\": " + USER + "}";
        for (String body : List.of(one + " trailing", one + one, one + " {}", one + "]")) {
            Response response = given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions");
            assertEquals(400, response.statusCode(), body);
            assertTrue(json(response).at("/error/message").asText().contains("not valid JSON"), response.asString());
        }
        assertTrue(upstream.requests().isEmpty());
        assertEquals(200, given().contentType(ContentType.JSON).body(one + " \n").when().post("/v1/chat/completions")
                .statusCode(), "trailing white space is fine");
    }

    // (The other half of bullet 7, refusing tool fields until tool calling existed, was replaced by issue #12's
    // real support: ToolsTest and its neighbours.)

    // ---- 8. every route answers in our format ----

    /**
     * (A malformed escape such as {@code %ZZ} never reaches the function under test or in dev mode: Quarkus' Lambda
     * mock event server refuses it with its own 400; {@code PackagedFunctionIT} feeds the function such a path.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET /v1/chat/completions/x", "POST /v1/chat/completions/x", "POST /v1/chat/completions/",
            "GET /v1/models/a/b", "GET /v1/models/", "GET /v1/models/a%20b", "GET /v1/models/a%0D%0Ab",
            "GET /v1/models/%00", "GET /v1/%E2%80%A8", "PUT /v1/models",
            "DELETE /v1/chat/completions", "HEAD /v1/nothing", "OPTIONS /v1/models/x", "PATCH /", "GET /q/dev",
            "GET /q/health", "GET /v1/models/..%2F..%2Fproviders%2Ffake"})
    void anyPathOrMethodWeDoNotServeIsA4xxErrorObject(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String path = request.substring(request.indexOf(' ') + 1);
        RawResponse response = RawResponse.send(method, path);
        int status = response.status();
        assertTrue(status >= 400 && status < 500, request + " answered " + response);
        if (!method.equals("HEAD")) {
            assertTrue(response.contentType().startsWith("application/json"), request + ": " + response);
            JsonNode error = response.json().path("error");
            assertTrue(error.path("message").isTextual(), request + ": " + response);
            assertTrue(error.has("type") && error.has("param") && error.has("code"), response.toString());
        }
    }
}
