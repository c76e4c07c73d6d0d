package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.testing.FakeUpstream.Answer;
import dev.moa.testing.FakeUpstream.Reasoned;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moa.api.ChatCompletionsTest.json;
import static dev.moa.api.ChatCompletionsTest.msg;
import static dev.moa.engine.ReferenceInjector.DEFAULT_PROMPT;
import static dev.moa.engine.ReferenceInjector.RANK_PROMPT;
import static dev.moa.engine.ReferenceInjector.SEQUENTIAL_PROMPT;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Aggregate modes, reasoning hygiene and early stop, through the API against the in-test upstream. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class StrategiesTest extends UpstreamTest {

    private static JsonNode post(String mix, String extra) {
        String body = given().contentType(ContentType.JSON).body("""
                        {"model": "%s", "temperature": 1.3, "max_tokens": 700, %s
                         "messages": [{"role": "user", "content": "Which is best?"}]}""".formatted(mix, extra))
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        return json(body);
    }

    private static String content(JsonNode response) {
        return response.at("/choices/0/message/content").textValue();
    }

    private static String refs(String... answers) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < answers.length; i++) {
            text.append("\n\n").append(i + 1).append(". ").append(answers[i]);
        }
        return text.toString();
    }

    private static long upstreamTokens(List<Recorded> calls) {
        return calls.stream().mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
    }

    // ---- rank ----

    private void rankMix() {
        store.mix("ranked", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "r1"}, {"provider": "fake", "model": "r2"},
                              {"provider": "fake", "model": "r3"}]},
                  {"aggregate": "rank", "agents": [{"provider": "fake", "model": "ranker"}]}]}""");
    }

    @Test
    void rankReturnsTheChosenReferenceByteForByte() {
        rankMix();
        String second = "  Ünïcode – second answer\n\twith   odd spacing, a \"quote\" and a trailing space ";
        upstream.script("r1", new Answer("first answer", "stop"));
        upstream.script("r2", new Answer(second, "length"));
        upstream.script("r3", new Answer("third answer", "stop"));
        upstream.script("ranker", new Answer("2", "stop"));

        JsonNode response = post("ranked", "\"moa\": {\"trace\": true},");

        assertEquals(second, content(response), "the reference itself, verbatim");
        assertEquals("length", response.at("/choices/0/finish_reason").asText(), "the reference's own finish reason");
        Recorded ranker = upstream.only("ranker");
        assertEquals(List.of(msg("system", RANK_PROMPT + refs("first answer", second, "third answer")),
                msg("user", "Which is best?")), ranker.messages());
        assertEquals(16, ranker.body().path("max_tokens").asInt(), "a short, constrained answer");
        assertTrue(ranker.body().path("temperature").isMissingNode(), "the client's parameters are for the answer");
        JsonNode rank = response.at("/moa/layers/1/agents/0/rank");
        assertEquals("2", rank.path("reply").asText());
        assertEquals(2, rank.path("chosen").asInt());
        assertEquals("fake/r2", rank.path("agent").asText());
        assertTrue(rank.path("fallback").isMissingNode());
        assertEquals(upstreamTokens(upstream.requests()), response.at("/usage/total_tokens").asLong());
    }

    @Test
    void anUnparsableRankFallsBackToTheFirstReferenceAndTheTraceSaysSo() {
        rankMix();
        upstream.script("r1", new Answer("first answer", "stop"));
        upstream.script("ranker", new Answer("Both 1 and 3 are good; 3 is best.", "stop"));

        JsonNode response = post("ranked", "\"moa\": {\"trace\": true},");

        assertEquals("first answer", content(response));
        JsonNode rank = response.at("/moa/layers/1/agents/0/rank");
        assertEquals(1, rank.path("chosen").asInt());
        assertEquals("the reply \"Both 1 and 3 are good; 3 is best.\" names none of the references 1-3; the first "
                + "reference was used", rank.path("fallback").asText());

        upstream.reset();
        upstream.script("r1", new Answer("first answer", "stop"));
        upstream.script("ranker", new Answer("7", "stop"));
        assertEquals("first answer", content(post("ranked", "")), "a number that is no reference");
    }

    // ---- sequential ----

    @Test
    void sequentialWindowsCarryTheSynthesisForwardAndSumUsage() {
        store.mix("seq", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "s1"}, {"provider": "fake", "model": "s2"},
                              {"provider": "fake", "model": "s3"}, {"provider": "fake", "model": "s4"},
                              {"provider": "fake", "model": "s5"}]},
                  {"aggregate": {"mode": "sequential", "window": 2},
                   "agents": [{"provider": "fake", "model": "seqagg"}]}]}""");
        upstream.script("seqagg", new Answer("synthesis A", "stop"), new Answer("synthesis B", "stop"),
                new Answer("final C", "stop"));

        JsonNode response = post("seq", "\"moa\": {\"trace\": true},");

        assertEquals("final C", content(response));
        List<Recorded> steps = upstream.requests("seqagg");
        assertEquals(3, steps.size(), "five references, two at a time");
        assertEquals(DEFAULT_PROMPT + refs("answer from s1", "answer from s2"), steps.get(0).system());
        assertEquals(SEQUENTIAL_PROMPT + refs("synthesis A", "answer from s3", "answer from s4"), steps.get(1).system());
        assertEquals(SEQUENTIAL_PROMPT + refs("synthesis B", "answer from s5"), steps.get(2).system());
        for (Recorded step : steps) {
            assertEquals(1.3, step.body().path("temperature").asDouble(), "every step writes the answer");
            assertEquals("Which is best?", step.messages().get(1).path("content").asText());
        }
        assertEquals(upstreamTokens(upstream.requests()), response.at("/usage/total_tokens").asLong());
        JsonNode agent = response.at("/moa/layers/1/agents/0");
        assertEquals(upstreamTokens(steps), agent.at("/usage/total_tokens").asLong(), "the agent's usage is its steps'");
        assertEquals("[[1,2], [3,4], [5]]", agent.at("/steps").findValues("references").toString());
        assertEquals("synthesis B", agent.at("/steps/1/output").asText());
        assertTrue(agent.at("/steps/1/synthesis").asBoolean());
        assertEquals(3, agent.path("attempts").size());
    }

    // ---- reasoning hygiene ----

    private void reasoningMix(String keep) {
        store.mix("thinking", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "t1"}, {"provider": "fake", "model": "t2"},
                              {"provider": "fake", "model": "t3"}]},
                  {%s "agents": [{"provider": "fake", "model": "tagg"}]}]}""".formatted(keep));
        upstream.script("t1", new Answer("<think>secret plan</think>The answer is 4.", "stop"));
        upstream.script("t2", new Reasoned("Four.", "reasoning_content", "let me think"));
        upstream.script("t3", new Reasoned("4", "reasoning", "hmm"));
        upstream.script("tagg", new Reasoned("<think>my own thoughts</think>\nFinal: 4", "reasoning_content",
                "aggregator reasoning"));
    }

    @Test
    void thinkingNeverReachesTheNextLayerNorTheClientButStaysInTheTrace() {
        reasoningMix("");
        JsonNode response = post("thinking", "\"moa\": {\"trace\": true},");

        assertEquals(DEFAULT_PROMPT + refs("The answer is 4.", "Four.", "4"), upstream.only("tagg").system());
        assertEquals("Final: 4", content(response), "the aggregator's reasoning is never content");
        assertFalse(response.at("/choices/0/message").has("reasoning_content"));
        JsonNode layer1 = response.at("/moa/layers/0/agents");
        assertEquals("<think>secret plan</think>The answer is 4.", layer1.at("/0/output").asText());
        assertEquals("let me think", layer1.at("/1/reasoning").asText());
        assertEquals("hmm", layer1.at("/2/reasoning").asText());
        assertEquals("<think>my own thoughts</think>\nFinal: 4", response.at("/moa/layers/1/agents/0/output").asText());
    }

    @Test
    void keepReasoningPassesItOn() {
        reasoningMix("\"keep_reasoning\": true,");
        JsonNode response = post("thinking", "");

        assertEquals(DEFAULT_PROMPT + refs("<think>secret plan</think>The answer is 4.",
                "<think>let me think</think>\nFour.", "<think>hmm</think>\n4"), upstream.only("tagg").system());
        assertEquals("Final: 4", content(response), "kept for the next layer, never for the client");
    }

    // ---- early stop ----

    private void earlyStopMix(String rule, int proposers) {
        StringBuilder agents = new StringBuilder();
        for (int i = 1; i <= proposers; i++) {
            agents.append(i > 1 ? "," : "").append("{\"provider\": \"fake\", \"model\": \"e").append(i).append("\"}");
        }
        store.mix("early", """
                {"layers": [
                  {"early_stop": %s, "agents": [%s]},
                  {"agents": [{"provider": "fake", "model": "e-mid1"}, {"provider": "fake", "model": "e-mid2"}]},
                  {"agents": [{"provider": "fake", "model": "e-agg"}]}]}""".formatted(rule, agents));
    }

    @Test
    void unanimousAnswersSkipTheLaterLayers() {
        earlyStopMix("{\"when\": \"unanimous\"}", 3);
        upstream.script("e1", new Answer("The capital is Paris.", "stop"));
        upstream.script("e2", new Answer("  the capital is   PARIS ", "stop"));
        upstream.script("e3", new Answer("<think>hmm</think>The capital is paris!", "stop"));

        JsonNode response = post("early", "\"moa\": {\"trace\": true},");

        assertEquals("The capital is Paris.", content(response), "the first agreeing answer, as it came");
        assertEquals(List.of("e1", "e2", "e3"), upstream.requests().stream().map(Recorded::model).sorted().toList(),
                "the later layers never reach the upstream");
        assertEquals(upstreamTokens(upstream.requests()), response.at("/usage/total_tokens").asLong());
        assertEquals(1, response.at("/moa/layers").size());
        JsonNode stop = response.at("/moa/layers/0/early_stop");
        assertEquals("unanimous", stop.path("when").asText());
        assertEquals(3, stop.path("agreeing").asInt());
        assertEquals(3, stop.path("answers").asInt());
        assertEquals("fake/e1", stop.path("agent").asText());
        assertEquals(2, stop.path("skipped_layers").asInt());
    }

    @Test
    void unanimousOnAnExtractedNumber() {
        earlyStopMix("{\"when\": \"unanimous\", \"extract\": \"(-?\\\\d+)\"}", 3);
        upstream.script("e1", new Answer("3 + 4 = 7", "stop"));
        upstream.script("e2", new Answer("So the result is 7.", "stop"));
        upstream.script("e3", new Answer("7", "stop"));
        assertEquals("3 + 4 = 7", content(post("early", "")));
        assertEquals(3, upstream.requests().size());

        upstream.reset();
        upstream.script("e1", new Answer("3 + 4 = 7", "stop"));
        upstream.script("e2", new Answer("It is 8", "stop"));
        upstream.script("e3", new Answer("7", "stop"));
        assertEquals("answer from e-agg", content(post("early", "")), "one disagrees: the mix runs on");
        assertEquals(6, upstream.requests().size());
    }

    @Test
    void majorityOfAtLeastMin() {
        earlyStopMix("{\"when\": \"majority\", \"min\": 3}", 4);
        upstream.script("e1", new Answer("Lyon", "stop"));
        upstream.script("e2", new Answer("Paris", "stop"));
        upstream.script("e3", new Answer("paris.", "stop"));
        upstream.script("e4", new Answer("PARIS", "stop"));
        JsonNode response = post("early", "\"moa\": {\"trace\": true},");
        assertEquals("Paris", content(response));
        assertEquals(4, upstream.requests().size());
        assertEquals(3, response.at("/moa/layers/0/early_stop/agreeing").asInt());
        assertEquals(4, response.at("/moa/layers/0/early_stop/answers").asInt());

        upstream.reset();
        upstream.script("e1", new Answer("Lyon", "stop"));
        upstream.script("e2", new Answer("Paris", "stop"));
        upstream.script("e3", new Answer("Lyon", "stop"));
        upstream.script("e4", new Answer("PARIS", "stop"));
        assertEquals("answer from e-agg", content(post("early", "")), "two against two is below min 3");
        assertEquals(7, upstream.requests().size());
    }

    @Test
    void modesWorkWhenStreamedToo() {
        rankMix();
        upstream.script("r2", new Answer("streamed second", "stop"));
        upstream.script("ranker", new Answer("<think>comparing</think> #2", "stop"));
        String body = given().contentType(ContentType.JSON).body("""
                        {"model": "ranked", "stream": true, "messages": [{"role": "user", "content": "x"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertTrue(body.contains("\"content\":\"streamed second\""), body);
        assertFalse(body.contains("comparing"), body);
    }

    /** The content deltas of a streamed answer, joined. */
    private static String streamedContent(String mix) {
        String body = given().contentType(ContentType.JSON).body("""
                        {"model": "%s", "stream": true, "messages": [{"role": "user", "content": "x"}]}""".formatted(mix))
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        StringBuilder content = new StringBuilder();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode delta = json(line.substring(6)).at("/choices/0/delta/content");
                if (delta.isTextual()) {
                    content.append(delta.textValue());
                }
            }
        }
        return content.toString();
    }

    @Test
    void theAggregatorsThinkingNeverStreamsToTheClient() {
        reasoningMix("");
        assertEquals("Final: 4", streamedContent("thinking"));
    }

    @Test
    void anEarlyStopStreamsTheAgreedAnswerWithoutCallingTheLaterLayers() {
        earlyStopMix("{\"when\": \"unanimous\"}", 2);
        upstream.script("e1", new Answer("Paris", "stop"));
        upstream.script("e2", new Answer("paris.", "stop"));
        assertEquals("Paris", streamedContent("early"));
        assertEquals(2, upstream.requests().size(), "only the first layer was called");
    }
}
