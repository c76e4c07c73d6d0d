package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.testing.FakeUpstream.Answer;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moa.api.ChatCompletionsTest.json;
import static dev.moa.engine.ReferenceInjector.DEFAULT_PROMPT;
import static dev.moa.engine.ReferenceInjector.SEQUENTIAL_PROMPT;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A layer's reference budget (tokens estimated as characters / 4): truncate, drop the longest, go sequential. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ReferenceBudgetTest extends UpstreamTest {

    /** Proposers b1..bN answering with {@code chars[i]} copies of a letter each; the aggregator with the budget. */
    private JsonNode run(String budget, int... chars) {
        StringBuilder agents = new StringBuilder();
        for (int i = 0; i < chars.length; i++) {
            String model = "b" + (i + 1);
            agents.append(i > 0 ? "," : "").append("{\"provider\": \"fake\", \"model\": \"").append(model).append("\"}");
            upstream.script(model, new Answer(letters(i, chars[i]), "stop"));
        }
        store.mix("budgeted", """
                {"layers": [{"agents": [%s]}, {%s, "agents": [{"provider": "fake", "model": "bagg"}]}]}"""
                .formatted(agents, budget));
        return json(given().contentType(ContentType.JSON).body("""
                        {"model": "budgeted", "moa": {"trace": true}, "messages": [{"role": "user", "content": "q"}]}""")
                .when().post("/v1/chat/completions").then().statusCode(200).extract().asString());
    }

    private static String letters(int index, int count) {
        return String.valueOf((char) ('a' + index)).repeat(count);
    }

    private static String marker(long of, long kept, String field) {
        return "\n\n[… reference truncated: about " + of + " tokens, cut to " + kept + " (" + field + ")]";
    }

    private static String refs(String... answers) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < answers.length; i++) {
            text.append("\n\n").append(i + 1).append(". ").append(answers[i]);
        }
        return text.toString();
    }

    @Test
    void aReferenceOverItsCapIsTruncatedWithAVisibleMarker() {
        JsonNode response = run("\"max_reference_tokens\": 5", 100, 8);

        assertEquals(DEFAULT_PROMPT + refs(letters(0, 20) + marker(25, 5, "max_reference_tokens"), letters(1, 8)),
                upstream.only("bagg").system());
        assertEquals("[{\"reference\":1,\"agent\":\"fake/b1\",\"tokens\":25,\"kept_tokens\":5,\"truncated\":true}]",
                response.at("/moa/layers/1/references").toString());
        assertEquals(25, response.at("/moa/layers/0/agents/0/reference_truncated").asLong(), "shown on the answer too");
        assertTrue(response.at("/moa/layers/0/agents/1/reference_truncated").isMissingNode());
        assertEquals(letters(0, 100), response.at("/moa/layers/0/agents/0/output").asText(), "the trace keeps it whole");
    }

    @Test
    void overTheTotalTheLongestAreShortenedToACommonCap() {
        // 40 + 40 + 8 tokens into 50: the two long ones are cut to 21 each, the short one stays whole.
        JsonNode response = run("\"max_total_reference_tokens\": 50", 160, 160, 32);

        String cut = marker(40, 21, "max_total_reference_tokens");
        assertEquals(DEFAULT_PROMPT + refs(letters(0, 84) + cut, letters(1, 84) + cut, letters(2, 32)),
                upstream.only("bagg").system());
        assertEquals(2, response.at("/moa/layers/1/references").size());
        assertTrue(response.at("/moa/layers/1").path("overflow").isMissingNode());
    }

    @Test
    void dropLongestLeavesOutTheLongestUntilTheRestFits() {
        JsonNode response = run("\"max_total_reference_tokens\": 40, \"overflow\": \"drop_longest\"", 40, 200, 80);

        assertEquals(DEFAULT_PROMPT + refs(letters(0, 40), letters(2, 80)), upstream.only("bagg").system());
        assertEquals("[{\"reference\":2,\"agent\":\"fake/b2\",\"tokens\":50,\"dropped\":true}]",
                response.at("/moa/layers/1/references").toString());
        assertTrue(response.at("/moa/layers/0/agents/1/reference_dropped").asBoolean());
    }

    @Test
    void sequentialOverflowAggregatesInWindowsThatFit() {
        upstream.script("bagg", new Answer("S1", "stop"), new Answer("S2", "stop"), new Answer("final", "stop"));
        // Three references of 20 tokens into 30: one per step, each beside the running synthesis.
        JsonNode response = run("\"max_total_reference_tokens\": 30, \"overflow\": \"sequential\"", 80, 80, 80);

        List<Recorded> steps = upstream.requests("bagg");
        assertEquals(3, steps.size());
        assertEquals(DEFAULT_PROMPT + refs(letters(0, 80)), steps.get(0).system());
        assertEquals(SEQUENTIAL_PROMPT + refs("S1", letters(1, 80)), steps.get(1).system());
        assertEquals(SEQUENTIAL_PROMPT + refs("S2", letters(2, 80)), steps.get(2).system());
        assertEquals("final", response.at("/choices/0/message/content").asText());
        assertEquals("sequential", response.at("/moa/layers/1/overflow").asText());
        assertEquals(3, response.at("/moa/layers/1/agents/0/steps").size());

        upstream.reset();
        upstream.script("bagg", new Answer("one go", "stop"));
        run("\"max_total_reference_tokens\": 60, \"overflow\": \"sequential\"", 80, 80, 80);
        assertEquals(1, upstream.requests("bagg").size(), "a total that fits is one synthesis");
    }
}
