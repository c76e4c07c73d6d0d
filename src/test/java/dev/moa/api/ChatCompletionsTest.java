package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.ReferenceInjector;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ChatCompletionsTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void reset() {
        store.mix("three", """
                {"description": "three layers",
                 "layers": [
                   {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"},
                               {"provider": "fake-open", "model": "p3"}]},
                   {"agents": [{"provider": "fake", "model": "q1"}, {"provider": "fake", "model": "q2"}]},
                   {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
    }

    private static Response post(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions");
    }

    private static String conversation(String model) {
        return """
                {"model": "%s", "messages": [
                  {"role": "system", "content": "Answer like a pirate."},
                  {"role": "user", "content": "What is MoA?"}]}""".formatted(model);
    }

    @Test
    void everyLaterAgentGetsEveryPreviousAnswerAsNumberedReferencesInTheSystemMessage() {
        post(conversation("three")).then().statusCode(200)
                .body("object", equalTo("chat.completion"))
                .body("model", equalTo("three"))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].message.content", equalTo("answer from agg"))
                .body("choices[0].finish_reason", equalTo("stop"));

        for (String proposer : List.of("p1", "p2", "p3")) {
            Recorded call = upstream.only(proposer);
            assertEquals(List.of(msg("system", "Answer like a pirate."), msg("user", "What is MoA?")),
                    call.messages(), "layer 1 gets the conversation as sent");
        }
        String layer1Refs = ReferenceInjector.DEFAULT_PROMPT + "\n\n1. answer from p1\n\n2. answer from p2\n\n3. answer from p3";
        for (String model : List.of("q1", "q2")) {
            Recorded call = upstream.only(model);
            assertEquals(List.of(msg("system", "Answer like a pirate.\n\n" + layer1Refs), msg("user", "What is MoA?")),
                    call.messages());
        }
        Recorded aggregator = upstream.only("agg");
        assertEquals(List.of(msg("system", "Answer like a pirate.\n\n" + ReferenceInjector.DEFAULT_PROMPT
                        + "\n\n1. answer from q1\n\n2. answer from q2"), msg("user", "What is MoA?")),
                aggregator.messages(), "the aggregator sees layer 2's answers, not layer 1's");
    }

    @Test
    void proposersOfOneLayerRunConcurrently() {
        // Each proposer is held until all three have arrived: run one after another, the first would never return.
        FakeUpstream.Barrier barrier = FakeUpstream.Barrier.of(3);
        upstream.script("p1", barrier);
        upstream.script("p2", barrier);
        upstream.script("p3", barrier);
        post(conversation("three")).then().statusCode(200);

        List<Recorded> layer1 = List.of(upstream.only("p1"), upstream.only("p2"), upstream.only("p3"));
        long lastStart = layer1.stream().mapToLong(Recorded::startNanos).max().orElseThrow();
        long firstEnd = layer1.stream().mapToLong(Recorded::endNanos).min().orElseThrow();
        assertTrue(lastStart < firstEnd, "every proposer had started before any answered");
        long layer2Start = List.of(upstream.only("q1"), upstream.only("q2")).stream()
                .mapToLong(Recorded::startNanos).min().orElseThrow();
        long layer1End = layer1.stream().mapToLong(Recorded::endNanos).max().orElseThrow();
        assertTrue(layer2Start > layer1End, "layer 2 starts after layer 1 has answered");
    }

    @Test
    void multiTurnConversationPassesUnchangedAndWithoutClientSystemAFirstSystemMessageIsAdded() {
        post("""
                {"model": "three", "messages": [
                  {"role": "user", "content": "Hi"},
                  {"role": "assistant", "content": "Hello!"},
                  {"role": "user", "content": [{"type": "text", "text": "Tell me"}, {"type": "text", "text": "more"}]}]}""")
                .then().statusCode(200);
        List<JsonNode> turns = List.of(msg("user", "Hi"), msg("assistant", "Hello!"), msg("user", "Tell me\nmore"));
        assertEquals(turns, upstream.only("p1").messages());
        List<JsonNode> q1 = upstream.only("q1").messages();
        assertEquals(4, q1.size());
        assertEquals("system", q1.get(0).path("role").asText());
        assertTrue(q1.get(0).path("content").asText().startsWith(ReferenceInjector.DEFAULT_PROMPT));
        assertEquals(turns, q1.subList(1, 4));
    }

    @Test
    void usageIsTheSumOverEveryUpstreamCall() {
        JsonNode usage = json(post(conversation("three")).then().statusCode(200).extract().asString()).path("usage");
        List<Recorded> calls = upstream.requests();
        assertEquals(6, calls.size());
        long prompt = calls.stream().mapToLong(r -> r.usage().path("prompt_tokens").asLong()).sum();
        long completion = calls.stream().mapToLong(r -> r.usage().path("completion_tokens").asLong()).sum();
        assertEquals(prompt, usage.path("prompt_tokens").asLong());
        assertEquals(completion, usage.path("completion_tokens").asLong());
        assertEquals(prompt + completion, usage.path("total_tokens").asLong());
    }

    @Test
    void clientSamplingAppliesToTheAggregatorOnlyAndTheMixWins() {
        store.mix("params", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "pp", "temperature": 0.2}]},
                  {"agents": [{"provider": "fake", "model": "pa", "max_tokens": 100}]}]}""");
        post("""
                {"model": "params", "temperature": 1.5, "max_completion_tokens": 999, "top_p": 0.5, "stop": ["END"],
                 "frequency_penalty": 0.3, "user": "someone", "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(200);
        JsonNode proposer = upstream.only("pp").body();
        assertEquals(0.2, proposer.path("temperature").asDouble());
        assertTrue(proposer.path("max_tokens").isMissingNode());
        assertTrue(proposer.path("top_p").isMissingNode());
        assertTrue(proposer.path("frequency_penalty").isMissingNode(), "per-call fields go to the aggregator only");
        assertTrue(proposer.path("user").isMissingNode());
        JsonNode aggregator = upstream.only("pa").body();
        assertEquals(1.5, aggregator.path("temperature").asDouble());
        assertEquals(100, aggregator.path("max_tokens").asInt(), "a value set in the mix wins");
        assertEquals(0.5, aggregator.path("top_p").asDouble());
        assertEquals("END", aggregator.path("stop").path(0).asText());
        assertEquals(0.3, aggregator.path("frequency_penalty").asDouble(), "the client's per-call fields pass on");
        assertEquals("someone", aggregator.path("user").asText());
    }

    @Test
    void theKeyReachesTheUpstreamAsABearerHeaderAndNowhereElse() {
        String body = given().contentType(ContentType.JSON).body("""
                        {"model": "three", "moa": {"trace": true}, "messages": [{"role": "user", "content": "x"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertEquals("Bearer " + TestStore.SECRET_KEY, upstream.only("p1").header("Authorization"));
        assertEquals("moa-tests", upstream.only("p1").header("X-Team"), "extra headers from the provider document");
        assertNull(upstream.only("p3").header("Authorization"), "a provider without api_key sends none");
        assertFalse(body.contains(TestStore.SECRET_KEY));
    }

    @Test
    void traceShowsEveryCallWithItsOutputOrError() {
        upstream.script("p2", new FakeUpstream.Status(400, "bad model name", Map.of()));
        String body = post("""
                {"model": "three", "moa": {"trace": true}, "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(200)
                .body("moa.mix", equalTo("three"))
                .body("moa.layers.size()", equalTo(3))
                .body("moa.layers[0].agents.size()", equalTo(3))
                .body("moa.layers[0].agents[0].provider", equalTo("fake"))
                .body("moa.layers[0].agents[0].model", equalTo("p1"))
                .body("moa.layers[0].agents[0].output", equalTo("answer from p1"))
                .body("moa.layers[0].agents[1].error", equalTo("HTTP 400: bad model name"))
                .body("moa.layers[0].agents[1].attempts.size()", equalTo(1))
                .body("moa.layers[0].agents[1].attempts[0].status", equalTo(400))
                .body("moa.layers[2].agents[0].output", equalTo("answer from agg"))
                .extract().asString();
        JsonNode trace = json(body).path("moa");
        assertTrue(trace.path("latency_ms").isIntegralNumber());
        assertTrue(trace.path("layers").path(0).path("agents").path(0).path("usage").path("total_tokens").asLong() > 0);
        assertFalse(trace.path("layers").path(0).path("agents").path(1).has("output"));
        assertEquals(2, upstream.requests("q1").get(0).system().split("\n\n\\d\\. ").length - 1,
                "only the two answers that came back are references");
        // Without the trace, moa holds only what OpenAI's usage has no field for: these calls had no price.
        post(conversation("three")).then().statusCode(200).body("moa.keySet()",
                equalTo(java.util.Set.of("cost_unpriced_calls")));
    }

    @Test
    void retriesServerErrorsAndHonoursRetryAfter() {
        upstream.script("p1", new FakeUpstream.Status(503, "overloaded", Map.of()), new FakeUpstream.Answer("late p1", "stop"));
        upstream.script("q1", new FakeUpstream.Status(429, "slow down", Map.of("Retry-After", "1")),
                new FakeUpstream.Answer(null, "stop"));
        post("""
                {"model": "three", "moa": {"trace": true}, "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(200)
                .body("moa.layers[0].agents[0].attempts.size()", equalTo(2))
                .body("moa.layers[0].agents[0].attempts[0].error", equalTo("HTTP 503: overloaded"))
                .body("moa.layers[0].agents[0].output", equalTo("late p1"))
                .body("moa.layers[1].agents[0].attempts.size()", equalTo(2));
        List<Recorded> q1 = upstream.requests("q1");
        assertEquals(2, q1.size());
        assertTrue(q1.get(1).startNanos() - q1.get(0).endNanos() >= 1_000_000_000L,
                "the second attempt waited for Retry-After");
    }

    @Test
    void aLayerBelowMinSuccessesFailsWith502NamingTheAgentsButNoKey() {
        store.mix("strict", """
                {"layers": [
                  {"min_successes": 2, "agents": [{"provider": "fake", "model": "s1"}, {"provider": "fake", "model": "s2"},
                                                  {"provider": "fake-unset-key", "model": "s3"}]},
                  {"agents": [{"provider": "fake", "model": "sagg"}]}]}""");
        upstream.script("s1", new FakeUpstream.Status(500, "boom, key was " + TestStore.SECRET_KEY, Map.of()));
        String body = post("""
                {"model": "strict", "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(502).contentType(ContentType.JSON)
                .body("error.type", equalTo("upstream_error"))
                .body("error.code", equalTo("upstream_failed"))
                .body("error.message", containsString("layer 1 got 1 of the 2 answers it needs"))
                .body("error.message", containsString("fake/s1 (HTTP 500"))
                .body("error.message", containsString("3 attempts"))
                .body("error.message", containsString("fake-unset-key/s3 (no API key for provider \"fake-unset-key\": "
                        + "environment variable MOA_TEST_KEY_THAT_IS_NOT_SET is not set)"))
                .extract().asString();
        assertFalse(body.contains(TestStore.SECRET_KEY), body);
        assertEquals(3, upstream.requests("s1").size(), "first attempt and two retries");
        assertTrue(upstream.requests("sagg").isEmpty());
    }

    @Test
    void aFailingAggregatorIs502() {
        upstream.script("agg", new FakeUpstream.RawBody(200, "<html>not json</html>"));
        post(conversation("three")).then().statusCode(502)
                .body("error.message", containsString("layer 3 got 0 of the 1 answers it needs"))
                .body("error.message", containsString("fake/agg (unusable response: body is not JSON)"));
        assertEquals(1, upstream.requests("agg").size(), "an unusable 200 is not retried");
    }

    @Test
    void samplesCallAnAgentRepeatedlyAndWeightsShowNextToReferences() {
        store.mix("sampled", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "w1", "samples": 3, "weight": 2},
                              {"provider": "fake", "model": "w2", "weight": 0.5}]},
                  {"agents": [{"provider": "fake", "model": "wagg"}]}]}""");
        post("""
                {"model": "sampled", "moa": {"trace": true}, "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(200)
                .body("moa.layers[0].agents.size()", equalTo(4))
                .body("moa.layers[0].agents[2].sample", equalTo(2));
        assertEquals(3, upstream.requests("w1").size());
        String system = upstream.only("wagg").system();
        assertTrue(system.endsWith("\n\n1. [weight 2] answer from w1\n\n2. [weight 2] answer from w1"
                + "\n\n3. [weight 2] answer from w1\n\n4. [weight 0.5] answer from w2"), system);
    }

    @Test
    void streamReturnsOpenAiChunksEndingWithDone() {
        String body = given().contentType(ContentType.JSON).body("""
                        {"model": "three", "stream": true, "stream_options": {"include_usage": true},
                         "messages": [{"role": "user", "content": "x"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(200)
                .contentType(containsString("text/event-stream"))
                .extract().asString();
        String[] events = body.split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        StringBuilder content = new StringBuilder();
        JsonNode last = null;
        String finish = null;
        for (int i = 0; i < events.length - 1; i++) {
            assertTrue(events[i].startsWith("data: "), events[i]);
            JsonNode chunk = json(events[i].substring("data: ".length()));
            assertEquals("chat.completion.chunk", chunk.path("object").asText());
            assertEquals("three", chunk.path("model").asText());
            for (JsonNode choice : chunk.path("choices")) {
                content.append(choice.path("delta").path("content").asText(""));
                if (!choice.path("finish_reason").isNull()) {
                    finish = choice.path("finish_reason").asText();
                }
            }
            last = chunk;
        }
        assertEquals("answer from agg", content.toString());
        assertEquals("stop", finish);
        assertEquals(0, last.path("choices").size(), "the usage chunk has no choices");
        long total = upstream.requests().stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(total, last.path("usage").path("total_tokens").asLong());
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunk() {
        String body = post("""
                {"model": "three", "stream": true, "messages": [{"role": "user", "content": "x"}]}""")
                .then().statusCode(200).extract().asString();
        assertFalse(body.contains("\"usage\""), body);
        assertTrue(body.endsWith("data: [DONE]\n\n"));
    }

    static JsonNode msg(String role, String content) {
        return JSON.createObjectNode().put("role", role).put("content", content);
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
