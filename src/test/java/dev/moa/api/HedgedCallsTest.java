package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static dev.moa.api.ChatCompletionsTest.json;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hedged calls as a client sees them: the answer, the trace of every copy, the cost and the dry-run plan. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class HedgedCallsTest extends UpstreamTest {

    private static JsonNode post(String body) {
        return json(given().contentType(ContentType.JSON).body(body).when().post("/v1/chat/completions")
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString());
    }

    @Test
    void theTraceShowsEveryCopyTheWinnerAndTheCancelledCopysEstimatedInput() throws Exception {
        store.provider("priced", """
                {"protocol": "openai", "base_url": "%s",
                 "pricing": {"default": {"input_per_mtok": 2, "output_per_mtok": 8}}}""".formatted(upstream.baseUrl()));
        store.mix("hedged", """
                {"layers": [{"agents": [{"provider": "priced", "model": "h-slow",
                                         "hedge": {"after_ms": 50, "to": "fallback"},
                                         "fallbacks": [{"provider": "priced", "model": "h-spare"}]}]},
                            {"agents": [{"provider": "priced", "model": "h-agg"}]}]}""");
        // The first request never answers; the hedge sent to the fallback after 50 ms does.
        upstream.script("h-slow", new FakeUpstream.Hang());
        upstream.script("h-spare", new FakeUpstream.Answer("the hedge's answer", "stop"));
        JsonNode response = post("""
                {"model": "hedged", "moa": {"trace": true}, "messages": [{"role": "user", "content": "Which is faster?"}]}""");

        assertTrue(upstream.awaitDisconnects("h-slow", 1), "the losing copy's connection was closed");
        JsonNode agent = response.at("/moa/layers/0/agents/0");
        assertEquals("the hedge's answer", agent.path("output").asText());
        JsonNode attempts = agent.path("attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        JsonNode cancelled = null;
        JsonNode won = null;
        for (JsonNode attempt : attempts) {
            assertTrue(attempt.path("hedged").asBoolean(), attempt.toString());
            if (attempt.at("/hedge/cancelled").asBoolean()) {
                cancelled = attempt;
            }
            if (attempt.at("/hedge/won").asBoolean()) {
                won = attempt;
            }
        }
        assertEquals("h-slow", cancelled.path("model").asText());
        assertEquals("h-spare", won.path("model").asText());
        assertEquals(0, cancelled.at("/hedge/copy").asInt());
        assertEquals(0, cancelled.at("/hedge/started_after_ms").asLong());
        long estimated = cancelled.at("/hedge/estimated_prompt_tokens").asLong();
        assertTrue(estimated > 0, cancelled.toString());
        assertFalse(cancelled.at("/hedge/won").asBoolean());
        assertEquals(1, won.at("/hedge/copy").asInt());
        assertTrue(won.at("/hedge/started_after_ms").asLong() >= 50, won.toString());
        assertTrue(won.path("hedge").path("estimated_prompt_tokens").isMissingNode());

        // usage counts the copy that reported usage; the cost adds the cancelled copy's estimated input.
        JsonNode winner = upstream.only("h-spare").usage();
        long prompt = winner.path("prompt_tokens").asLong();
        long completion = winner.path("completion_tokens").asLong();
        assertEquals(prompt, agent.at("/usage/prompt_tokens").asLong());
        BigDecimal perMillion = BigDecimal.valueOf(1_000_000);
        BigDecimal expected = BigDecimal.valueOf(2 * (prompt + estimated) + 8 * completion)
                .divide(perMillion);
        assertEquals(0, expected.compareTo(agent.path("cost").decimalValue()), agent.toString());
        JsonNode agg = upstream.only("h-agg").usage();
        BigDecimal aggCost = BigDecimal.valueOf(2 * agg.path("prompt_tokens").asLong()
                + 8 * agg.path("completion_tokens").asLong()).divide(perMillion);
        assertEquals(0, expected.add(aggCost).compareTo(response.at("/usage/cost").decimalValue()),
                response.path("usage").toString());
    }

    @Test
    void theDryRunCountsHedgesInMaxCalls() {
        store.mix("hedge-plan", """
                {"hedge": {"after_ms": 800},
                 "layers": [{"agents": [{"provider": "fake", "model": "a", "hedge": {"after_ms": "p90", "max": 2}},
                                        {"provider": "fake", "model": "b"},
                                        {"provider": "fake", "model": "c", "hedge": false}]},
                            {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
        JsonNode plan = post("""
                {"model": "hedge-plan", "moa": {"dry_run": true}, "messages": [{"role": "user", "content": "x"}]}""")
                .path("moa");
        assertTrue(upstream.requests().isEmpty());
        assertEquals(4, plan.path("calls").asInt());
        assertEquals(6, plan.at("/layers/0/max_calls").asInt(), "3 calls, 2 + 1 hedges");
        assertEquals(2, plan.at("/layers/1/max_calls").asInt(), "the aggregator and the mix's hedge");
        assertEquals(8, plan.path("max_calls").asInt());
    }

    @Test
    void anInvalidHedgeIsRefusedWithItsPath() {
        store.mix("bad-hedge", """
                {"layers": [{"agents": [{"provider": "fake", "model": "a", "hedge": {"after_ms": "p100"}}]}]}""");
        String body = given().contentType(ContentType.JSON)
                .body("{\"model\": \"bad-hedge\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .when().post("/v1/chat/completions").then().extract().asString();
        assertTrue(body.contains("layers[0].agents[0].hedge.after_ms"), body);
        assertTrue(upstream.requests().isEmpty());
    }
}
