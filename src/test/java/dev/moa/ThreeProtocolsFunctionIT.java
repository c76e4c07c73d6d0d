package dev.moa;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.EmfRules;
import dev.moa.testing.FakeAnthropic;
import dev.moa.testing.FakeBedrock;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged function, under Lambda's runtime client, answering through one mix with an OpenAI-protocol, an
 * Anthropic and a Bedrock agent: right usage and cost, Bedrock reached through {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}
 * with the environment's credentials and region, and the EMF records on standard output (on by default on Lambda).
 */
class ThreeProtocolsFunctionIT {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String ANTHROPIC_KEY = "sk-ant-it-2b7e-never-show-me";
    private static final String SECRET_ACCESS_KEY = "it-secret-access-key-never-show-me";
    private static final String QUESTION = "a question nobody may log";

    @AutoClose
    private static FakeUpstream openai;
    @AutoClose
    private static FakeAnthropic anthropic;
    @AutoClose
    private static FakeBedrock bedrock;
    @AutoClose
    private static PackagedFunction function;

    @BeforeAll
    static void start() throws Exception {
        openai = new FakeUpstream();
        anthropic = new FakeAnthropic();
        bedrock = new FakeBedrock();
        TestStore store = new TestStore(Files.createTempDirectory("moa-trio-store"), openai.baseUrl());
        store.provider("gpt", "{\"protocol\": \"openai\", \"base_url\": \"" + openai.baseUrl() + "\", "
                + "\"pricing\": {\"gpt-x\": {\"input_per_mtok\": 2.5, \"output_per_mtok\": 10}}}");
        store.provider("claude", "{\"protocol\": \"anthropic\", \"base_url\": \"" + anthropic.baseUrl() + "\", "
                + "\"api_key\": {\"env\": \"ANTHROPIC_API_KEY\"}, "
                + "\"pricing\": {\"claude-x\": {\"input_per_mtok\": 3, \"output_per_mtok\": 15, \"cached_input_per_mtok\": 0.3}}}");
        // No base_url and no region: the endpoint comes from AWS_ENDPOINT_URL_BEDROCK_RUNTIME, the region from AWS_REGION.
        store.provider("bedrock", "{\"protocol\": \"bedrock\", "
                + "\"pricing\": {\"default\": {\"input_per_mtok\": 0.8, \"output_per_mtok\": 3.2}}}");
        store.mix("trio", "{\"layers\": ["
                + "{\"agents\": [{\"provider\": \"gpt\", \"model\": \"gpt-x\"}, {\"provider\": \"claude\", \"model\": \"claude-x\"}]},"
                + "{\"agents\": [{\"provider\": \"bedrock\", \"model\": \"us.amazon.nova-pro-v1:0\"}]}]}");
        function = PackagedFunction.fromMavenBuild()
                .environment("MOA_STORE", "file:" + store.dir())
                .environment("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
                .environment("AWS_ACCESS_KEY_ID", "AKIDFUNCTIONIT")
                .environment("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
                .environment("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.endpoint())
                .start();
        function.initDuration();
    }

    @Test
    void oneMixOfThreeProtocolsAnswersWithItsUsageCostAndMetrics() throws Exception {
        bedrock.script("us.amazon.nova-pro-v1:0", new FakeUpstream.Answer("the trio's answer", "end_turn"));
        HttpApiResponse response = function.call(HttpApiEvent.postJson("/v1/chat/completions",
                "{\"model\": \"trio\", \"messages\": [{\"role\": \"user\", \"content\": \"" + QUESTION + "\"}]}"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("the trio's answer", body.at("/choices/0/message/content").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());

        FakeUpstream.Recorded gptCall = openai.only("gpt-x");
        FakeUpstream.Recorded claudeCall = anthropic.only("claude-x");
        FakeUpstream.Recorded novaCall = bedrock.only("us.amazon.nova-pro-v1:0");
        assertEquals(ANTHROPIC_KEY, claudeCall.header("x-api-key"));
        assertEquals("2023-06-01", claudeCall.header("anthropic-version"));
        assertTrue(novaCall.header("authorization").contains("Credential=AKIDFUNCTIONIT/")
                && novaCall.header("authorization").contains("/us-east-1/bedrock/aws4_request"), novaCall.header("authorization"));
        String references = novaCall.body().at("/system/0/text").asText();
        assertTrue(references.contains("answer from gpt-x") && references.contains("answer from claude-x"), references);

        JsonNode gpt = gptCall.usage();
        JsonNode claude = claudeCall.usage();
        JsonNode nova = novaCall.usage();
        long prompt = gpt.path("prompt_tokens").asLong() + claude.path("input_tokens").asLong()
                + FakeAnthropic.CACHE_READ_TOKENS + nova.path("inputTokens").asLong();
        long completion = gpt.path("completion_tokens").asLong() + claude.path("output_tokens").asLong()
                + nova.path("outputTokens").asLong();
        assertEquals(prompt, body.at("/usage/prompt_tokens").asLong());
        assertEquals(completion, body.at("/usage/completion_tokens").asLong());
        assertEquals(prompt + completion, body.at("/usage/total_tokens").asLong());
        BigDecimal cost = micro(gpt.path("prompt_tokens").asLong(), "2.5").add(micro(gpt.path("completion_tokens").asLong(), "10"))
                .add(micro(claude.path("input_tokens").asLong(), "3")).add(micro(FakeAnthropic.CACHE_READ_TOKENS, "0.3"))
                .add(micro(claude.path("output_tokens").asLong(), "15"))
                .add(micro(nova.path("inputTokens").asLong(), "0.8")).add(micro(nova.path("outputTokens").asLong(), "3.2"));
        assertEquals(0, cost.compareTo(body.at("/usage/cost").decimalValue()), body.path("usage").toString());
        assertEquals(0, cost.compareTo(new BigDecimal(response.header("x-moa-cost-usd"))));
        assertFalse(response.body().contains(ANTHROPIC_KEY) || response.body().contains(SECRET_ACCESS_KEY));

        List<JsonNode> records = emfRecords();
        JsonNode request = records.stream().filter(r -> !r.has("provider")).findFirst().orElseThrow();
        assertEquals("trio", request.path("mix").asText());
        assertEquals(3, request.path("Calls").asInt());
        assertEquals(prompt + completion, request.path("TotalTokens").asLong());
        assertEquals(cost.doubleValue(), request.path("CostUSD").asDouble(), 1e-12);
        assertEquals(List.of("gpt/gpt-x", "claude/claude-x", "bedrock/us.amazon.nova-pro-v1:0"), records.stream()
                .filter(r -> r.has("provider")).map(r -> r.path("provider").asText() + "/" + r.path("model").asText()).toList());
    }

    /** The function's standard output: the EMF records among the log lines, each a whole line, each valid. */
    private static List<JsonNode> emfRecords() throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(function.process().log())) {
            if (line.startsWith("{\"_aws\"")) {
                JsonNode record = JSON.readTree(line);
                assertEquals(List.of(), EmfRules.violations(record), line);
                records.add(record);
            }
            assertFalse(line.contains(QUESTION) || line.contains(ANTHROPIC_KEY) || line.contains(SECRET_ACCESS_KEY),
                    "no prompt or key in the function's output: " + line);
        }
        assertEquals(4, records.size(), "one request record and one per call: " + records);
        return records;
    }

    private static BigDecimal micro(long tokens, String perMillion) {
        return new BigDecimal(perMillion).multiply(BigDecimal.valueOf(tokens)).divide(BigDecimal.valueOf(1_000_000),
                MathContext.DECIMAL64);
    }
}
