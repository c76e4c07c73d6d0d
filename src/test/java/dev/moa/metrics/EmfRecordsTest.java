package dev.moa.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Attempt;
import dev.moa.engine.LayerTrace;
import dev.moa.mix.Agent;
import dev.moa.mix.Sampling;
import dev.moa.provider.Completion;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import dev.moa.testing.EmfRules;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmfRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT_SECRET = "the user's private question";
    private static final String ANSWER_SECRET = "a proposer's private answer";

    private static Agent agent(String provider, String model) {
        return Agent.of(provider, model, Sampling.NONE, "system prompt: " + PROMPT_SECRET, 1, null);
    }

    private static Attempt ok(String provider, String model) {
        return new Attempt(provider, model, Duration.ofMillis(40), Optional.empty());
    }

    private static RequestOutcome outcome(Optional<Duration> ttft) {
        Agent claude = agent("claude", "claude-x");
        Agent bedrock = agent("bedrock", "amazon.nova-pro-v1:0");
        Agent broken = agent("openai", "gpt-x");
        Agent slow = agent("openai", "gpt-slow");
        Agent aggregator = agent("bedrock", "amazon.nova-pro-v1:0");
        LayerTrace proposers = new LayerTrace(List.of(
                new AgentOutcome.Answered(claude, 0, Duration.ofMillis(120), List.of(ok("claude", "claude-x")),
                        new Completion(ANSWER_SECRET, "stop", Usage.of(100, 20, 120, 10, 0).withCost(new BigDecimal("0.0006")))),
                // A fallback answered: the figures go to the model that answered.
                new AgentOutcome.Answered(broken, 0, Duration.ofMillis(300), List.of(
                        new Attempt("openai", "gpt-x", Duration.ofMillis(10), Optional.of(UpstreamFailure.status(503, "busy", null))),
                        ok("bedrock", "amazon.nova-pro-v1:0")),
                        new Completion(ANSWER_SECRET, "stop", new Usage(50, 5, 55).unpriced())),
                new AgentOutcome.Failed(broken, 0, Duration.ofMillis(15), List.of(
                        new Attempt("openai", "gpt-x", Duration.ofMillis(15), Optional.of(UpstreamFailure.status(400, "bad", null)))),
                        UpstreamFailure.status(400, "bad", null)),
                new AgentOutcome.Cut(slow, 0, Duration.ofMillis(900), List.of(), "cut: straggler grace")));
        LayerTrace last = new LayerTrace(List.of(new AgentOutcome.Answered(aggregator, 0, Duration.ofMillis(200),
                List.of(ok("bedrock", "amazon.nova-pro-v1:0")),
                new Completion(ANSWER_SECRET, "stop", new Usage(300, 40, 340).withCost(new BigDecimal("0.0004"))))));
        return new RequestOutcome("trio", Instant.ofEpochMilli(1_764_000_000_000L), Duration.ofMillis(1234), ttft, 200,
                List.of(proposers, last));
    }

    private static List<JsonNode> records(RequestOutcome outcome) throws Exception {
        List<JsonNode> records = new ArrayList<>();
        for (String line : new EmfRecords(JSON).lines(outcome)) {
            assertFalse(line.contains("\n"), "one line per record");
            JsonNode record = JSON.readTree(line);
            assertEquals(List.of(), EmfRules.violations(record), line);
            assertFalse(line.contains(PROMPT_SECRET) || line.contains(ANSWER_SECRET), "no prompt or answer: " + line);
            records.add(record);
        }
        return records;
    }

    @Test
    void oneRecordForTheRequestWithDimensionMix() throws Exception {
        JsonNode request = records(outcome(Optional.empty())).get(0);
        assertEquals("MoA", request.at("/_aws/CloudWatchMetrics/0/Namespace").asText());
        assertEquals("[[\"mix\"]]", request.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
        assertEquals(1_764_000_000_000L, request.at("/_aws/Timestamp").asLong());
        assertEquals("trio", request.path("mix").asText());
        assertEquals(200, request.path("status").asInt());
        assertEquals(1234, request.path("Latency").asLong());
        assertFalse(request.has("TimeToFirstToken"), "only for streamed requests");
        assertEquals(5, request.path("Calls").asInt());
        assertEquals(1, request.path("FailedCalls").asInt());
        assertEquals(1, request.path("CutCalls").asInt());
        assertEquals(450, request.path("PromptTokens").asLong());
        assertEquals(65, request.path("CompletionTokens").asLong());
        assertEquals(515, request.path("TotalTokens").asLong());
        assertEquals(0.001, request.path("CostUSD").asDouble(), 1e-12, "the known cost");
        assertEquals(1, request.path("UnpricedCalls").asInt(), "and how many calls it leaves out");
        assertEquals("Milliseconds", unit(request, "Latency"));
        assertEquals("Count", unit(request, "Calls"));
    }

    @Test
    void oneRecordPerCallWithDimensionsMixProviderModel() throws Exception {
        List<JsonNode> records = records(outcome(Optional.of(Duration.ofMillis(1200))));
        assertEquals(1200, records.get(0).path("TimeToFirstToken").asLong());
        List<JsonNode> agents = records.subList(1, records.size());
        assertEquals(5, agents.size());
        for (JsonNode agent : agents) {
            assertEquals("[[\"mix\",\"provider\",\"model\"]]", agent.at("/_aws/CloudWatchMetrics/0/Dimensions").toString());
            assertEquals("trio", agent.path("mix").asText());
        }
        assertEquals("claude/claude-x", label(agents.get(0)));
        assertEquals(0.0006, agents.get(0).path("CostUSD").asDouble(), 1e-12);
        assertEquals(120, agents.get(0).path("TotalTokens").asLong());
        assertEquals("bedrock/amazon.nova-pro-v1:0", label(agents.get(1)), "the fallback that answered");
        assertEquals(2, agents.get(1).path("Attempts").asInt());
        assertFalse(agents.get(1).has("CostUSD"), "no price: no cost, and never zero");
        assertEquals(1, agents.get(1).path("UnpricedCalls").asInt());
        assertEquals("openai/gpt-x", label(agents.get(2)));
        assertEquals(1, agents.get(2).path("Failed").asInt());
        assertEquals(1, agents.get(3).path("Cut").asInt());
        assertEquals(1, agents.get(4).path("layer").asInt());
    }

    @Test
    void theLogWritesEachRecordAsALineOfItsOwn() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new EmfLog(new EmfRecords(JSON), new PrintStream(bytes, true, StandardCharsets.UTF_8)).record(outcome(Optional.empty()));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertEquals(7, lines.length, "6 records, each ending its line");
        assertEquals("", lines[6]);
        for (int i = 0; i < 6; i++) {
            assertTrue(lines[i].startsWith("{\"_aws\":"), lines[i]);
        }
    }

    private static String label(JsonNode agent) {
        return agent.path("provider").asText() + "/" + agent.path("model").asText();
    }

    private static String unit(JsonNode record, String metric) {
        for (JsonNode m : record.at("/_aws/CloudWatchMetrics/0/Metrics")) {
            if (m.path("Name").asText().equals(metric)) {
                return m.path("Unit").asText();
            }
        }
        return null;
    }
}
