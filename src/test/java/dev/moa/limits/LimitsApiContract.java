package dev.moa.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.LimitsResource;
import dev.moa.testing.ManualClock;
import dev.moa.testing.Poll;
import dev.moa.testing.PythonTools;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client-key limits as a client sees them, on each limit store ({@link LimitsEmbeddedTest},
 * {@link LimitsDynamoTest}): refusals with their status, code and headers before any upstream call, budgets that
 * concurrent requests cannot overspend, settlement after whole and streamed answers, the usage endpoint, and the
 * official python SDK retrying a 429 until the window resets. Each test uses its own key.
 */
abstract class LimitsApiContract {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The "priced" provider's prices, USD per million tokens. */
    static final BigDecimal INPUT = BigDecimal.valueOf(100);
    static final BigDecimal OUTPUT = BigDecimal.valueOf(200);

    @Upstream
    FakeUpstream upstream;

    @Upstream
    TestStore store;

    @Inject
    @Named("limits")
    Clock clock;

    @BeforeEach
    void mixes() {
        upstream.reset();
        String duo = """
                {"layers": [
                   {"agents": [{"provider": "priced", "model": "p1", "max_tokens": 40},
                               {"provider": "priced", "model": "p2", "max_tokens": 40}]},
                   {"agents": [{"provider": "priced", "model": "agg", "max_tokens": 60}]}]}""";
        store.mix("duo", duo);
        store.mix("other", duo);
        store.mix("unpriced", """
                {"layers": [{"agents": [{"provider": "fake-open", "model": "u1", "max_tokens": 10}]}]}""");
    }

    static String body(String model) {
        return "{\"model\": \"" + model + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
    }

    static Response post(String key, String body) {
        return given().header("Authorization", "Bearer " + LimitsResource.key(key)).contentType(ContentType.JSON)
                .body(body).when().post("/v1/chat/completions");
    }

    static JsonNode usage(String key) {
        String text = given().header("Authorization", "Bearer " + LimitsResource.key(key)).when()
                .get("/v1/moa/usage").then().statusCode(200).extract().asString();
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    static JsonNode error(Response response) {
        try {
            return JSON.readTree(response.asString()).path("error");
        } catch (Exception e) {
            throw new AssertionError(response.asString(), e);
        }
    }

    /** What the upstream's recorded calls cost at the "priced" provider's prices. */
    BigDecimal upstreamCost(List<FakeUpstream.Recorded> calls) {
        BigDecimal total = BigDecimal.ZERO;
        for (FakeUpstream.Recorded call : calls) {
            assertNotNull(call.usage(), "every call answered with usage");
            total = total.add(INPUT.multiply(BigDecimal.valueOf(call.usage().path("prompt_tokens").asLong()))
                    .add(OUTPUT.multiply(BigDecimal.valueOf(call.usage().path("completion_tokens").asLong())))
                    .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64));
        }
        return total;
    }

    ManualClock manualClock() {
        return (ManualClock) clock;
    }

    /** Moves the clock into the next minute: every window resets. */
    void nextWindow() {
        long second = manualClock().instant().getEpochSecond();
        manualClock().advance(Duration.ofSeconds(60 - second % 60));
    }

    @Test
    void requestsPerMinuteRefuseWithHeadersBeforeAnyUpstreamCall() {
        nextWindow();
        Response first = post("rpm", body("duo"));
        assertEquals(200, first.statusCode(), first.asString());
        assertEquals("2", first.header("x-ratelimit-limit-requests"));
        assertEquals("1", first.header("x-ratelimit-remaining-requests"));
        assertEquals("60s", first.header("x-ratelimit-reset-requests"));
        Response second = post("rpm", body("duo"));
        assertEquals("0", second.header("x-ratelimit-remaining-requests"));
        int calls = upstream.requests().size();

        manualClock().advance(Duration.ofSeconds(20));
        Response refused = post("rpm", body("duo"));
        assertEquals(429, refused.statusCode());
        assertEquals("rate_limit_exceeded", error(refused).path("code").asText());
        assertEquals("requests", error(refused).path("type").asText());
        assertEquals("40", refused.header("Retry-After"));
        assertEquals("0", refused.header("x-ratelimit-remaining-requests"));
        assertEquals("40s", refused.header("x-ratelimit-reset-requests"));
        assertEquals(calls, upstream.requests().size(), "no upstream call for a refused request");

        nextWindow();
        assertEquals(200, post("rpm", body("duo")).statusCode(), "a new minute, a new window");
    }

    /**
     * The Messages and Responses APIs run through the same guard: their answers carry the key's headers, their
     * refusals come in their own error shape with {@code Retry-After} and the headers, before any upstream call.
     */
    @Test
    void messagesAndResponsesCarryTheHeadersAndAreRefusedAlike() {
        nextWindow();
        Response message = given().header("x-api-key", LimitsResource.key("protocols"))
                .header("anthropic-version", "2023-06-01").contentType(ContentType.JSON)
                .body("{\"model\": \"duo\", \"max_tokens\": 50, \"messages\": [{\"role\": \"user\", "
                        + "\"content\": \"hi\"}]}")
                .when().post("/v1/messages");
        assertEquals(200, message.statusCode(), message.asString());
        assertEquals("2", message.header("x-ratelimit-limit-requests"));
        assertEquals("1", message.header("x-ratelimit-remaining-requests"));
        BigDecimal afterMessage = new BigDecimal(message.header("x-moa-budget-remaining-usd"));
        assertEquals(0, BigDecimal.TEN.subtract(upstreamCost(upstream.requests())).compareTo(afterMessage),
                "the budget left after the message settled: " + afterMessage);

        Response response = given().header("Authorization", "Bearer " + LimitsResource.key("protocols"))
                .contentType(ContentType.JSON)
                .body("{\"model\": \"duo\", \"input\": \"hi\", \"store\": false, \"moa\": {\"trace\": true}}")
                .when().post("/v1/responses");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("0", response.header("x-ratelimit-remaining-requests"));
        BigDecimal afterResponse = new BigDecimal(response.header("x-moa-budget-remaining-usd"));
        assertEquals(0, BigDecimal.TEN.subtract(upstreamCost(upstream.requests())).compareTo(afterResponse),
                "both requests settled: " + afterResponse);
        JsonNode traced;
        try {
            traced = JSON.readTree(response.asString()).at("/moa/limits");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("protocols", traced.path("key").asText(), response.asString());
        int calls = upstream.requests().size();

        manualClock().advance(Duration.ofSeconds(15));
        Response refusedMessage = given().header("x-api-key", LimitsResource.key("protocols"))
                .contentType(ContentType.JSON)
                .body("{\"model\": \"duo\", \"max_tokens\": 50, \"messages\": [{\"role\": \"user\", "
                        + "\"content\": \"hi\"}]}")
                .when().post("/v1/messages");
        assertEquals(429, refusedMessage.statusCode());
        JsonNode anthropic;
        try {
            anthropic = JSON.readTree(refusedMessage.asString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("error", anthropic.path("type").asText(), refusedMessage.asString());
        assertEquals("rate_limit_error", anthropic.at("/error/type").asText(), refusedMessage.asString());
        assertEquals("45", refusedMessage.header("Retry-After"));
        assertEquals("0", refusedMessage.header("x-ratelimit-remaining-requests"));
        assertEquals("45s", refusedMessage.header("x-ratelimit-reset-requests"));

        Response refusedResponse = given().header("Authorization", "Bearer " + LimitsResource.key("protocols"))
                .contentType(ContentType.JSON).body("{\"model\": \"duo\", \"input\": \"hi\", \"store\": false}")
                .when().post("/v1/responses");
        assertEquals(429, refusedResponse.statusCode());
        assertEquals("rate_limit_exceeded", error(refusedResponse).path("code").asText(), refusedResponse.asString());
        assertEquals("45", refusedResponse.header("Retry-After"));
        assertEquals("0", refusedResponse.header("x-ratelimit-remaining-requests"));
        assertEquals(calls, upstream.requests().size(), "no upstream call for a refused request");
    }

    /**
     * A request admitted and then failed — every upstream answering 503, so chat's 502 — carries the key's headers as
     * its answer would have, counting it, in each protocol's own error shape: chat, Responses and Messages, whole and
     * streamed (the transport here buffers, as Lambda's does, so a stream failing before its first event is a whole
     * error response).
     */
    @Test
    void aFailureAfterAdmissionCarriesTheKeysHeadersOnEveryProtocol() {
        nextWindow();
        String key = LimitsResource.key("failing");
        Response answered = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(body("duo")).when().post("/v1/chat/completions");
        assertEquals(200, answered.statusCode(), answered.asString());
        assertEquals("9", answered.header("x-ratelimit-remaining-requests"));
        FakeUpstream.Status overloaded = new FakeUpstream.Status(503, "overloaded", Map.of());
        List.of("p1", "p2", "agg").forEach(model -> upstream.script(model, overloaded));

        String user = "[{\"role\": \"user\", \"content\": \"hi\"}]";
        int remaining = 9;
        for (boolean stream : List.of(false, true)) {
            String how = stream ? "streamed" : "whole";
            Response chat = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                    .body("{\"model\": \"duo\", \"stream\": " + stream + ", \"messages\": " + user + "}")
                    .when().post("/v1/chat/completions");
            assertFailedWithHeaders("chat " + how, chat, answered, --remaining);
            assertEquals("upstream_failed", error(chat).path("code").asText(), chat.asString());
            assertEquals("upstream_error", error(chat).path("type").asText(), chat.asString());

            Response response = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                    .body("{\"model\": \"duo\", \"input\": \"hi\", \"store\": false, \"stream\": " + stream + "}")
                    .when().post("/v1/responses");
            assertFailedWithHeaders("responses " + how, response, answered, --remaining);
            assertEquals("upstream_failed", error(response).path("code").asText(), response.asString());

            Response message = given().header("x-api-key", key).header("anthropic-version", "2023-06-01")
                    .contentType(ContentType.JSON)
                    .body("{\"model\": \"duo\", \"max_tokens\": 50, \"stream\": " + stream + ", \"messages\": "
                            + user + "}")
                    .when().post("/v1/messages");
            assertFailedWithHeaders("messages " + how, message, answered, --remaining);
            JsonNode anthropic;
            try {
                anthropic = JSON.readTree(message.asString());
            } catch (Exception e) {
                throw new AssertionError(message.asString(), e);
            }
            assertEquals("error", anthropic.path("type").asText(), message.asString());
            assertEquals("api_error", anthropic.at("/error/type").asText(), message.asString());
        }
        JsonNode usage = usage("failing");
        assertEquals(7, usage.at("/month/requests").asInt(), "the failed requests were settled: " + usage);
        assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(usage.at("/month/reserved_usd").asText())),
                usage.toString());
    }

    /**
     * A failed request's status and JSON body, with the headers a success at its place would have had: the key's
     * limits as {@code answered}'s, its request counted, nothing spent since (every upstream failed), and no key.
     */
    private static void assertFailedWithHeaders(String what, Response failed, Response answered, int remaining) {
        assertEquals(502, failed.statusCode(), what + ": " + failed.asString());
        assertTrue(failed.contentType().startsWith("application/json"), what + ": " + failed.contentType());
        assertEquals(answered.header("x-ratelimit-limit-requests"), failed.header("x-ratelimit-limit-requests"),
                what);
        assertEquals(Integer.toString(remaining), failed.header("x-ratelimit-remaining-requests"), what);
        assertEquals(answered.header("x-ratelimit-reset-requests"), failed.header("x-ratelimit-reset-requests"),
                what);
        assertEquals(answered.header("x-moa-budget-remaining-usd"), failed.header("x-moa-budget-remaining-usd"),
                what);
        assertEquals(1, failed.headers().getValues("x-ratelimit-remaining-requests").size(), what);
        failed.headers().forEach(header -> assertFalse(header.getValue().contains(LimitsResource.key("failing")),
                what + ": " + header));
        assertFalse(failed.asString().contains(LimitsResource.key("failing")), what + ": " + failed.asString());
    }

    /**
     * A batch and an eval run record the key that created them; their lines and calls are charged to its budget
     * (all of them: the upstream's recorded calls, priced) without its requests per minute: three lines and two
     * samples pass a key with rpm 1, and its own next request still finds the minute unused.
     */
    @Test
    void batchLinesAndEvalRunsAreChargedToTheKeyThatCreatedThem() {
        nextWindow();
        String auth = "Bearer " + LimitsResource.key("batcher");
        String input = String.join("\n", List.of(1, 2, 3).stream().map(i -> "{\"custom_id\": \"l" + i
                + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": " + body("duo") + "}")
                .toList()) + "\n";
        String fileId = given().header("Authorization", auth)
                .multiPart("file", "lines.jsonl", input.getBytes(StandardCharsets.UTF_8)).multiPart("purpose", "batch")
                .post("/v1/files").then().statusCode(200).extract().path("id");
        Response created = given().header("Authorization", auth).contentType(ContentType.JSON)
                .body("{\"input_file_id\": \"" + fileId + "\", \"endpoint\": \"/v1/chat/completions\", "
                        + "\"completion_window\": \"24h\"}").post("/v1/batches");
        assertEquals(200, created.statusCode(), created.asString());
        assertEquals("batcher", created.path("moa_client_key"));
        String batchId = created.path("id");
        Poll.until("the batch ends", Duration.ofSeconds(60), () -> List.of("completed", "failed", "cancelled",
                "expired").contains(given().header("Authorization", auth).get("/v1/batches/" + batchId)
                .path("status")));
        Response batch = given().header("Authorization", auth).get("/v1/batches/" + batchId);
        assertEquals("completed", batch.path("status"), batch.asString());
        assertEquals(3, (int) batch.path("request_counts.completed"), "rpm 1 does not apply to lines: " + batch.asString());
        assertEquals(9, upstream.requests().size());

        String evalId = given().header("Authorization", auth).contentType(ContentType.JSON).body("""
                {"name": "charged", "data_source_config": {"type": "custom", "item_schema": {"type": "object",
                   "properties": {"question": {"type": "string"}}}},
                 "testing_criteria": [{"type": "string_check", "name": "said", "input": "{{sample.output_text}}",
                   "reference": "nothing", "operation": "eq"}]}""").post("/v1/evals").then().statusCode(201)
                .extract().path("id");
        Response run = given().header("Authorization", auth).contentType(ContentType.JSON).body("""
                {"data_source": {"type": "completions", "model": "duo",
                  "input_messages": {"type": "template", "template": [{"role": "user", "content": "{{item.question}}"}]},
                  "source": {"type": "file_content", "content": [{"item": {"question": "q1"}},
                                                                 {"item": {"question": "q2"}}]}}}""")
                .post("/v1/evals/" + evalId + "/runs");
        assertEquals(201, run.statusCode(), run.asString());
        assertEquals("batcher", run.path("moa_client_key"));
        String runId = run.path("id");
        Poll.until("the run ends", Duration.ofSeconds(60), () -> !List.of("queued", "in_progress").contains(
                given().header("Authorization", auth).get("/v1/evals/" + evalId + "/runs/" + runId).path("status")));
        Response ran = given().header("Authorization", auth).get("/v1/evals/" + evalId + "/runs/" + runId);
        assertEquals("completed", ran.path("status"), ran.asString());
        assertEquals(0, (int) ran.path("result_counts.errored"), ran.asString());
        assertEquals(15, upstream.requests().size(), "three calls per line and per sample");

        JsonNode usage = usage("batcher");
        assertEquals(5, usage.at("/month/requests").asInt(), usage.toString());
        assertEquals(0, upstreamCost(upstream.requests()).compareTo(new BigDecimal(usage.at("/month/spend_usd")
                .asText())), usage.toString());
        assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(usage.at("/month/reserved_usd").asText())));
        Response own = post("batcher", body("duo"));
        assertEquals(200, own.statusCode(), own.asString());
        assertEquals("0", own.header("x-ratelimit-remaining-requests"), "the key's own request is its first this minute");
        assertEquals(429, post("batcher", body("duo")).statusCode());
    }

    @Test
    void tokensPerMinuteRefuseOnceTheWindowIsSpent() {
        nextWindow();
        Response first = post("tpm", body("duo"));
        assertEquals(200, first.statusCode(), first.asString());
        long used = upstream.requests().stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertTrue(used > 100, "the first request spends the window: " + used);
        assertEquals("100", first.header("x-ratelimit-limit-tokens"));
        assertEquals("0", first.header("x-ratelimit-remaining-tokens"));
        assertEquals("60s", first.header("x-ratelimit-reset-tokens"));
        JsonNode usage = usage("tpm");
        assertEquals(used, usage.at("/today/tokens").asLong(), "every call's tokens, summed: " + usage);
        assertEquals(used, usage.at("/month/tokens").asLong(), usage.toString());
        assertEquals(100, usage.at("/limits/tpm").asLong(), usage.toString());

        manualClock().advance(Duration.ofSeconds(15));
        Response refused = post("tpm", body("duo"));
        assertEquals(429, refused.statusCode());
        assertEquals("rate_limit_exceeded", error(refused).path("code").asText());
        assertEquals("tokens", error(refused).path("type").asText());
        assertEquals("45", refused.header("Retry-After"));
        assertEquals("0", refused.header("x-ratelimit-remaining-tokens"));
        assertEquals("45s", refused.header("x-ratelimit-reset-tokens"));
        assertEquals(3, upstream.requests().size(), "no upstream call for the refused request");
        nextWindow();
        assertEquals(200, post("tpm", body("duo")).statusCode());
    }

    @Test
    void aRequestOverTheCostCapIsRefusedBeforeAnyUpstreamCall() {
        Response refused = post("capped", body("duo"));
        assertEquals(400, refused.statusCode());
        JsonNode error = error(refused);
        assertEquals("max_cost_exceeded", error.path("code").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("max_cost_per_request_usd of $0.05"),
                error.path("message").asText());
        assertTrue(error.path("message").asText().matches(".*may cost up to \\$0\\.\\d+ \\(3 calls.*"),
                error.path("message").asText());
        assertEquals("false", refused.header("x-should-retry"));
        assertTrue(upstream.requests().isEmpty());
        // A smaller request fits: the aggregator's max_tokens comes from the mix, the proposers' too, so the
        // estimate does not change with the client's max_tokens here; a cheaper mix is the way.
        store.mix("tiny", """
                {"layers": [{"agents": [{"provider": "priced", "model": "t1", "max_tokens": 20}]}]}""");
        Response answered = post("capped", "{\"model\": \"tiny\", \"moa\": {\"trace\": true}, "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(200, answered.statusCode(), answered.asString());
        JsonNode limits;
        try {
            limits = JSON.readTree(answered.asString()).at("/moa/limits");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("capped", limits.path("key").asText(), answered.asString());
        BigDecimal estimate = new BigDecimal(limits.path("estimate_usd").asText());
        BigDecimal settled = new BigDecimal(limits.path("settled_usd").asText());
        assertEquals(0, upstreamCost(upstream.requests()).compareTo(settled), "the trace shows the settled cost");
        assertTrue(settled.compareTo(estimate) <= 0 && estimate.compareTo(new BigDecimal("0.05")) <= 0,
                "the estimate is the worst case, under the cap: " + limits);
    }

    @Test
    void aKeyWithACostLimitMayOnlyUsePricedAgents() {
        Response refused = post("budget", body("unpriced"));
        assertEquals(400, refused.statusCode());
        assertEquals("unpriced_agent", error(refused).path("code").asText());
        assertTrue(error(refused).path("message").asText().contains("fake-open/u1"));
        assertTrue(upstream.requests().isEmpty());
        assertEquals(200, post("plain", body("unpriced")).statusCode(), "a key without limits may");
    }

    @Test
    void aMixOutsideTheKeysMixesDoesNotExistForIt() {
        Response refused = post("mixes", body("other"));
        assertEquals(404, refused.statusCode());
        assertEquals("model_not_found", error(refused).path("code").asText());
        assertEquals(error(post("mixes", body("no-such-mix"))).path("message").asText()
                        .replace("no-such-mix", "other"), error(refused).path("message").asText(),
                "the same answer as for a mix that does not exist");
        assertTrue(upstream.requests().isEmpty());
        assertEquals(200, post("mixes", body("duo")).statusCode());
    }

    @Test
    void aKeyDocumentOfTheWrongTypeIsAClearErrorNeverAnOpenDoor() {
        Response refused = post("broken", body("duo"));
        assertEquals(500, refused.statusCode());
        JsonNode error = error(refused);
        assertEquals("invalid_key_document", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("client key \"broken\""), error.toString());
        assertTrue(error.path("message").asText().contains("rpm"), error.toString());
        assertTrue(upstream.requests().isEmpty());
        assertEquals(500, given().header("Authorization", "Bearer " + LimitsResource.key("broken"))
                .get("/v1/moa/usage").statusCode());
    }

    @Test
    void fiftyConcurrentRequestsSpendAtMostTheBudget() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + io.restassured.RestAssured.port
                            + "/v1/chat/completions")).header("Authorization", "Bearer " + LimitsResource.key("budget"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body("duo")))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        int quota = 0;
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            HttpResponse<String> answer = response.get(120, TimeUnit.SECONDS);
            if (answer.statusCode() == 200) {
                ok++;
                assertNotNull(answer.headers().firstValue("x-moa-budget-remaining-usd").orElse(null));
            } else {
                assertEquals(429, answer.statusCode(), answer.body());
                JsonNode error = JSON.readTree(answer.body()).path("error");
                assertEquals("insufficient_quota", error.path("code").asText());
                assertEquals("false", answer.headers().firstValue("x-should-retry").orElse(null));
                quota++;
            }
        }
        BigDecimal spent = upstreamCost(upstream.requests());
        assertTrue(ok >= 1 && quota >= 1, ok + " answered, " + quota + " refused");
        assertEquals(50, ok + quota);
        assertEquals(3 * ok, upstream.requests().size(), "only admitted requests called upstream");
        assertTrue(spent.compareTo(new BigDecimal("0.35")) <= 0, "spent " + spent + " of a 0.35 day budget");

        JsonNode usage = usage("budget");
        assertEquals(0, spent.compareTo(new BigDecimal(usage.at("/today/spend_usd").asText())),
                "settled to the actual cost: " + usage);
        assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(usage.at("/today/reserved_usd").asText())),
                usage.toString());
        assertEquals(ok, usage.at("/today/requests").asInt());
        assertEquals(0, spent.compareTo(new BigDecimal(usage.at("/month/spend_usd").asText())));
        assertEquals("0.35", usage.at("/limits/budget_usd/day").asText());
    }

    @Test
    void aStreamedAnswerSettlesToItsActualCost() {
        upstream.script("agg", FakeUpstream.Streamed.of("Hello", " world"));
        Response response = post("streamer", "{\"model\": \"duo\", \"stream\": true, \"moa\": {\"trace\": true}, "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(200, response.statusCode(), response.asString());
        assertTrue(response.asString().contains("[DONE]"));
        // The final chunk's trace shows the key's limits as a whole answer's does: the estimate and the settled cost.
        JsonNode limits = lastTrace(response.asString(), "data: ").path("limits");
        assertEquals("streamer", limits.path("key").asText(), response.asString());
        assertEquals(0, upstreamCost(upstream.requests()).compareTo(new BigDecimal(limits.path("settled_usd").asText())),
                limits.toString());
        assertTrue(new BigDecimal(limits.path("estimate_usd").asText()).signum() > 0, limits.toString());
        // Here the transport buffers (Lambda), so the headers go out after the answer settled.
        String remaining = response.header("x-moa-budget-remaining-usd");
        assertNotNull(remaining);

        JsonNode usage = usage("streamer");
        BigDecimal spent = new BigDecimal(usage.at("/month/spend_usd").asText());
        assertEquals(0, upstreamCost(upstream.requests()).compareTo(spent), usage.toString());
        assertEquals(0, BigDecimal.TEN.subtract(spent).compareTo(new BigDecimal(remaining)), remaining);
        assertEquals(0, BigDecimal.ZERO.compareTo(new BigDecimal(usage.at("/month/reserved_usd").asText())));
        assertEquals(1, usage.at("/month/requests").asInt());
        long tokens = upstream.requests().stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(tokens, usage.at("/month/tokens").asLong(), "every call's tokens, the streamed one's too: " + usage);
        assertEquals(tokens, usage.at("/today/tokens").asLong(), usage.toString());
        assertNull(usage.get("today").get("month"));

        // A streamed Responses answer's trace too (its last event, response.completed, carries it).
        int before = upstream.requests().size();
        Response streamed = given().header("Authorization", "Bearer " + LimitsResource.key("streamer"))
                .contentType(ContentType.JSON)
                .body("{\"model\": \"duo\", \"input\": \"hi\", \"stream\": true, \"store\": false, "
                        + "\"moa\": {\"trace\": true}}")
                .when().post("/v1/responses");
        assertEquals(200, streamed.statusCode(), streamed.asString());
        JsonNode responseLimits = lastTrace(streamed.asString(), "data: ").path("limits");
        assertEquals("streamer", responseLimits.path("key").asText(), streamed.asString());
        assertEquals(0, upstreamCost(upstream.requests().subList(before, upstream.requests().size()))
                .compareTo(new BigDecimal(responseLimits.path("settled_usd").asText())), responseLimits.toString());
    }

    /** The {@code moa} object of the last event of a stream that has one (the chunk or the completed response). */
    static JsonNode lastTrace(String stream, String prefix) {
        JsonNode last = null;
        for (String line : stream.split("\n")) {
            if (!line.startsWith(prefix) || line.equals(prefix + "[DONE]")) {
                continue;
            }
            try {
                JsonNode event = JSON.readTree(line.substring(prefix.length()));
                JsonNode moa = event.has("moa") ? event.get("moa") : event.path("response").get("moa");
                if (moa != null && !moa.isNull()) {
                    last = moa;
                }
            } catch (Exception e) {
                throw new AssertionError(line, e);
            }
        }
        assertNotNull(last, "no event with a moa object: " + stream);
        return last;
    }

    @Test
    void theUsageEndpointNeedsAKeyAndNamesIt() {
        assertEquals(401, given().get("/v1/moa/usage").statusCode());
        JsonNode plain = usage("plain");
        assertEquals("plain", plain.path("key").asText());
        assertFalse(plain.has("limits"), "nothing is counted for a key without limits");
        JsonNode rpm = usage("rpm-only");
        assertEquals(100, rpm.at("/limits/rpm").asInt());
    }

    /**
     * A key sent as {@code x-api-key} (Anthropic's header, which the key filter accepts on every route) is the caller
     * on Chat Completions and Responses too: counted against its limits, not waved through uncounted.
     */
    @Test
    void aKeyInXApiKeyIsCountedOnChatAndResponsesToo() {
        nextWindow();
        Response chat = given().header("x-api-key", LimitsResource.key("rpm-only")).contentType(ContentType.JSON)
                .body(body("duo")).when().post("/v1/chat/completions");
        assertEquals(200, chat.statusCode(), chat.asString());
        assertEquals("100", chat.header("x-ratelimit-limit-requests"));
        assertEquals("99", chat.header("x-ratelimit-remaining-requests"));
        Response response = given().header("x-api-key", LimitsResource.key("rpm-only"))
                .contentType(ContentType.JSON).body("{\"model\": \"duo\", \"input\": \"hi\", \"store\": false}")
                .when().post("/v1/responses");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("98", response.header("x-ratelimit-remaining-requests"));
    }

    /**
     * The official python SDK: a 429 is a {@code RateLimitError}; with retries, it waits {@code Retry-After} and
     * succeeds once the window resets. The script tells each 429 it sees and waits for the test to move the clock
     * into the next minute, so the SDK's retry finds a new window.
     */
    @Test
    void thePythonSdkSeesRateLimitErrorAndItsRetrySucceedsOnceTheWindowResets() throws Exception {
        nextWindow();
        manualClock().advance(Duration.ofSeconds(59));
        Path script = Files.createTempFile("limits-sdk", ".py");
        Files.writeString(script, """
                import sys, openai
                base, key = sys.argv[1], sys.argv[2]
                def told(response):
                    if response.status_code == 429:
                        print("429", response.headers.get("retry-after"), flush=True)
                        sys.stdin.readline()
                messages = [{"role": "user", "content": "hi"}]
                plain = openai.OpenAI(base_url=base, api_key=key, max_retries=0)
                print("first", plain.chat.completions.create(model="duo", messages=messages).object, flush=True)
                try:
                    plain.chat.completions.create(model="duo", messages=messages)
                    print("second answered", flush=True)
                except openai.RateLimitError as e:
                    print("second RateLimitError", e.status_code, e.code, flush=True)
                retrying = openai.OpenAI(base_url=base, api_key=key, max_retries=2,
                                         http_client=openai.DefaultHttpxClient(event_hooks={"response": [told]}))
                print("third", retrying.chat.completions.create(model="duo", messages=messages).object, flush=True)
                """);
        Process python = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), "-u", script.toString(),
                "http://localhost:" + io.restassured.RestAssured.port + "/v1", LimitsResource.key("sdk")).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                StandardCharsets.UTF_8)); Writer in = new OutputStreamWriter(python.getOutputStream(),
                StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("429 ")) {
                    nextWindow();
                    in.write("\n");
                    in.flush();
                }
            }
        }
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), String.join("\n", lines));
        assertEquals(List.of("first chat.completion", "second RateLimitError 429 rate_limit_exceeded", "429 1",
                "third chat.completion"), lines);
    }
}
