package dev.moa.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeAnthropic;
import dev.moa.testing.FakeBedrock;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.ProtocolsResource;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One mix with an OpenAI-protocol, an Anthropic and a Bedrock agent: the answer, the usage and what it cost. */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
class ThreeProtocolMixTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    @Upstream
    FakeUpstream openai;
    @Upstream
    FakeAnthropic anthropic;
    @Upstream
    FakeBedrock bedrock;
    @Upstream
    TestStore store;

    @BeforeEach
    void setUp() {
        openai.reset();
        anthropic.reset();
        bedrock.reset();
        store.mix("three-priced", mix("openai-priced", "claude-priced", "bedrock-priced"));
        store.mix("three", mix("fake", "claude", "bedrock"));
    }

    private static String mix(String openai, String anthropic, String bedrock) {
        return "{\"layers\": ["
                + "{\"agents\": [{\"provider\": \"" + openai + "\", \"model\": \"gpt-x\"},"
                + "              {\"provider\": \"" + anthropic + "\", \"model\": \"claude-x\"}]},"
                + "{\"agents\": [{\"provider\": \"" + bedrock + "\", \"model\": \"amazon.nova-pro-v1:0\"}]}]}";
    }

    private static Response post(String mix, boolean stream) {
        return given().contentType(ContentType.JSON).body("{\"model\": \"" + mix + "\", \"stream\": " + stream
                        + ", \"stream_options\": {\"include_usage\": true}, \"moa\": {\"trace\": true}, "
                        + "\"messages\": [{\"role\": \"user\", \"content\": \"Which is best?\"}]}")
                .when().post("/v1/chat/completions");
    }

    @Test
    void answersWithTheUsageAndCostOfEveryCall() throws Exception {
        bedrock.script("amazon.nova-pro-v1:0", new FakeUpstream.Answer("the aggregate", "end_turn"));
        Response response = post("three-priced", false);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode body = JSON.readTree(response.asString());

        assertEquals("the aggregate", body.at("/choices/0/message/content").asText());
        String references = bedrock.only("amazon.nova-pro-v1:0").body().at("/system/0/text").asText();
        assertTrue(references.contains("answer from gpt-x") && references.contains("answer from claude-x"), references);

        JsonNode gpt = openai.only("gpt-x").usage();
        JsonNode claude = anthropic.only("claude-x").usage();
        JsonNode nova = bedrock.only("amazon.nova-pro-v1:0").usage();
        long prompt = gpt.path("prompt_tokens").asLong()
                + claude.path("input_tokens").asLong() + FakeAnthropic.CACHE_READ_TOKENS + nova.path("inputTokens").asLong();
        long completion = gpt.path("completion_tokens").asLong() + claude.path("output_tokens").asLong()
                + nova.path("outputTokens").asLong();
        assertEquals(prompt, body.at("/usage/prompt_tokens").asLong());
        assertEquals(completion, body.at("/usage/completion_tokens").asLong());
        assertEquals(prompt + completion, body.at("/usage/total_tokens").asLong());
        assertEquals(FakeAnthropic.CACHE_READ_TOKENS, body.at("/usage/prompt_tokens_details/cached_tokens").asLong());

        BigDecimal gptCost = cost(gpt.path("prompt_tokens").asLong(), "2.5", gpt.path("completion_tokens").asLong(), "10");
        BigDecimal claudeCost = cost(claude.path("input_tokens").asLong(), "3", claude.path("output_tokens").asLong(), "15")
                .add(cost(FakeAnthropic.CACHE_READ_TOKENS, "0.3", 0, "0"));
        BigDecimal novaCost = cost(nova.path("inputTokens").asLong(), "0.8", nova.path("outputTokens").asLong(), "4");
        BigDecimal total = gptCost.add(claudeCost).add(novaCost);
        assertEquals(0, total.compareTo(body.at("/usage/cost").decimalValue()), body.path("usage").toString());
        assertFalse(body.path("usage").has("cost_unpriced_calls"), "every call had a price");
        assertFalse(body.path("moa").has("cost_unpriced_calls"), "every call had a price");
        assertEquals(0, total.compareTo(new BigDecimal(response.header("x-moa-cost-usd"))), response.header("x-moa-cost-usd"));
        assertNull(response.header("x-moa-cost-unpriced-calls"));

        JsonNode layers = body.at("/moa/layers");
        assertEquals(0, gptCost.compareTo(layers.at("/0/agents/0/cost").decimalValue()));
        assertEquals(0, claudeCost.compareTo(layers.at("/0/agents/1/cost").decimalValue()));
        assertEquals(0, novaCost.compareTo(layers.at("/1/agents/0/cost").decimalValue()));
        assertEquals("bedrock-priced", layers.at("/1/agents/0/provider").asText());
    }

    @Test
    void withoutPricesTheCostIsUnknownNeverZero() throws Exception {
        Response response = post("three", false);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode body = JSON.readTree(response.asString());
        assertFalse(body.path("usage").has("cost"), body.path("usage").toString());
        assertEquals(3, body.at("/moa/cost_unpriced_calls").asInt());
        assertFalse(body.path("usage").has("cost_unpriced_calls"), "not a field of OpenAI's usage");
        assertEquals("unknown", response.header("x-moa-cost-usd"));
        assertEquals("3", response.header("x-moa-cost-unpriced-calls"));
        JsonNode agent = body.at("/moa/layers/0/agents/1");
        assertFalse(agent.has("cost"));
        assertEquals("no price for model \"claude-x\" in provider \"claude\"", agent.path("cost_unknown").asText());
    }

    @Test
    void aPartlyPricedMixSaysItsTotalIsPartial() throws Exception {
        store.mix("partly", mix("fake", "claude-priced", "bedrock-priced"));
        Response response = post("partly", false);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode body = JSON.readTree(response.asString());
        JsonNode claude = anthropic.only("claude-x").usage();
        JsonNode nova = bedrock.only("amazon.nova-pro-v1:0").usage();
        BigDecimal known = cost(claude.path("input_tokens").asLong(), "3", claude.path("output_tokens").asLong(), "15")
                .add(cost(FakeAnthropic.CACHE_READ_TOKENS, "0.3", 0, "0"))
                .add(cost(nova.path("inputTokens").asLong(), "0.8", nova.path("outputTokens").asLong(), "4"));
        assertEquals(0, known.compareTo(body.at("/usage/cost").decimalValue()));
        assertEquals(1, body.at("/moa/cost_unpriced_calls").asInt(), "the OpenAI agent has no price");
        assertFalse(body.path("usage").has("cost_unpriced_calls"), "not a field of OpenAI's usage");
        assertEquals("1", response.header("x-moa-cost-unpriced-calls"));
    }

    @Test
    void aStreamsUsageChunkCountsUnpricedCallsUnderMoaNotUsage() throws Exception {
        Response response = post("three", true);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode usageChunk = null;
        for (String line : response.asString().split("\n")) {
            if (line.startsWith("data: {") && JSON.readTree(line.substring(6)).path("usage").isObject()) {
                usageChunk = JSON.readTree(line.substring(6));
            }
        }
        assertTrue(usageChunk != null, response.asString());
        assertEquals(3, usageChunk.at("/moa/cost_unpriced_calls").asInt(), usageChunk.toString());
        assertFalse(usageChunk.path("usage").has("cost_unpriced_calls"), usageChunk.toString());
    }

    @Test
    void theStreamsUsageChunkCarriesTheCost() throws Exception {
        Response response = post("three-priced", true);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode usageChunk = null;
        for (String line : response.asString().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = JSON.readTree(line.substring(6));
                if (chunk.path("usage").isObject()) {
                    usageChunk = chunk;
                }
            }
        }
        assertTrue(usageChunk != null, response.asString());
        assertTrue(usageChunk.at("/usage/cost").decimalValue().signum() > 0, usageChunk.toString());
        assertNull(response.header("x-moa-cost-usd"), "no cost header on a stream: the usage chunk has it");
    }

    @Test
    void aFailingBedrockAgentFallsBackToAnotherProtocol() throws Exception {
        store.mix("fallback", "{\"layers\": [{\"agents\": [{\"provider\": \"bedrock\", \"model\": \"m-throttled\", "
                + "\"retries\": 1, \"fallbacks\": [{\"provider\": \"claude\", \"model\": \"claude-fb\"}]}]}]}");
        bedrock.script("m-throttled", new FakeBedrock.Error(429, "ThrottlingException", "slow down"));
        Response response = post("fallback", false);
        assertEquals(200, response.statusCode(), response.asString());
        JsonNode body = JSON.readTree(response.asString());
        assertEquals("answer from claude-fb", body.at("/choices/0/message/content").asText());
        assertEquals(2, bedrock.requests("m-throttled").size(), "throttling is retried by our policy, once here");
        JsonNode attempts = body.at("/moa/layers/0/agents/0/attempts");
        assertEquals(3, attempts.size());
        assertEquals(429, attempts.at("/0/status").asInt());
        assertTrue(attempts.at("/0/error").asText().contains("ThrottlingException: slow down"), attempts.toString());
    }

    private static BigDecimal cost(long input, String inputPrice, long output, String outputPrice) {
        return new BigDecimal(inputPrice).multiply(BigDecimal.valueOf(input))
                .add(new BigDecimal(outputPrice).multiply(BigDecimal.valueOf(output)))
                .divide(MILLION, MathContext.DECIMAL64);
    }
}
