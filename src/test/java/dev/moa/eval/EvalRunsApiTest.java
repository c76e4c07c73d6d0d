package dev.moa.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs on the embedded runner, beside {@link EvalsApiTest} (same store and settings: two items at once, at most
 * {@link EvalDirResource#MAX_ITEMS} items a run): the concurrency bound shared by runs going together, deleting an
 * eval that still has runs, and an uploaded file's bad items.
 */
@QuarkusTest
@WithTestResource(dev.moa.testing.UpstreamResource.class)
@WithTestResource(EvalDirResource.class)
class EvalRunsApiTest extends UpstreamTest {

    /** {@code moa.batch.concurrency} in {@link EvalDirResource}. */
    private static final int CONCURRENCY = 2;

    /** An eval whose only grader calls no model: every call the upstream sees is a sample's. */
    private static String evalId() {
        return given().contentType(ContentType.JSON).body("""
                        {"name": "plain", "data_source_config": {"type": "custom", "item_schema": {
                           "type": "object", "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
                           "required": ["question", "answer"]}},
                         "testing_criteria": [{"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                           "reference": "{{item.answer}}", "operation": "eq"}]}""")
                .post("/v1/evals").then().statusCode(201).extract().path("id");
    }

    private static ObjectNode run(String model, ObjectNode source) {
        ObjectNode body = EvalsApiTest.JSON.createObjectNode();
        ObjectNode data = body.putObject("data_source").put("type", "completions").put("model", model);
        data.set("source", source);
        data.set("input_messages", EvalsApiTest.template());
        return body;
    }

    private static ObjectNode inline(int count, String prefix) {
        ObjectNode source = EvalsApiTest.JSON.createObjectNode().put("type", "file_content");
        ArrayNode content = source.putArray("content");
        for (int i = 0; i < count; i++) {
            content.addObject().putObject("item").put("question", prefix + i).put("answer", "answer from gated");
        }
        return source;
    }

    private static String start(String evalId, ObjectNode body) {
        return given().contentType(ContentType.JSON).body(body.toString()).post("/v1/evals/" + evalId + "/runs")
                .then().statusCode(201).extract().path("id");
    }

    private static String status(String evalId, String runId) {
        return given().get("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(200).extract().path("status");
    }

    /**
     * Two runs started together, each big enough to fill the bound alone, never have more items (here: sample calls)
     * in flight between them than {@code moa.batch.concurrency}: every call is held by a gate until both runs are
     * going and the bound is full, then all flow; the fake upstream records the most calls it had at once.
     */
    @Test
    void runsStartedTogetherShareOneConcurrencyBound() {
        Poll.until("earlier tests' calls ended", Duration.ofSeconds(30), () -> upstream.inFlight() == 0);
        upstream.reset();
        CountDownLatch gate = new CountDownLatch(1);
        upstream.script("gated", new FakeUpstream.Held(gate));
        String evalId = evalId();
        String first = start(evalId, run("fake/gated", inline(4, "first ")));
        String second = start(evalId, run("fake/gated", inline(4, "second ")));

        Poll.until("both runs going and the bound full", Duration.ofSeconds(30),
                () -> upstream.inFlight() >= CONCURRENCY && status(evalId, first).equals("in_progress")
                        && status(evalId, second).equals("in_progress"));
        gate.countDown();
        Poll.until("both runs complete", Duration.ofSeconds(60),
                () -> status(evalId, first).equals("completed") && status(evalId, second).equals("completed"));

        assertEquals(CONCURRENCY, upstream.peakInFlight(), "calls in flight at once over both runs");
        assertEquals(8, upstream.requests("gated").size(), "every item of both runs sampled once");
        for (String runId : List.of(first, second)) {
            given().get("/v1/evals/" + evalId + "/runs/" + runId).then()
                    .body("result_counts.total", equalTo(4)).body("result_counts.passed", equalTo(4));
        }
    }

    /** Deleting an eval takes its runs with it, finished or running: their objects, items and output items. */
    @Test
    void deletingAnEvalDeletesItsRunsAndTheirOutputItems() throws IOException {
        upstream.script("gated", new FakeUpstream.Answer(null, "stop"));
        upstream.script("stuck", new FakeUpstream.Hang());
        String evalId = evalId();
        String finished = start(evalId, run("fake/gated", inline(3, "done ")));
        Poll.until("the first run completes", Duration.ofSeconds(30),
                () -> status(evalId, finished).equals("completed"));
        String itemId = given().get("/v1/evals/" + evalId + "/runs/" + finished + "/output_items").then()
                .statusCode(200).body("data.size()", equalTo(3)).extract().path("data[0].id");
        given().get("/v1/evals/" + evalId + "/runs/" + finished + "/output_items/" + itemId).then().statusCode(200);
        String running = start(evalId, run("fake/stuck", inline(3, "stuck ")));
        Poll.until("the second run is evaluating", Duration.ofSeconds(30),
                () -> upstream.inFlight() == CONCURRENCY);
        assertTrue(stored(finished).stream().anyMatch(k -> k.contains("/outputs/")), stored(finished).toString());
        assertTrue(stored(running).stream().anyMatch(k -> k.contains("/items/")), stored(running).toString());

        given().delete("/v1/evals/" + evalId).then().statusCode(200)
                .body("object", equalTo("eval.deleted")).body("deleted", equalTo(true))
                .body("eval_id", equalTo(evalId));

        upstream.reset(); // the stuck calls end: nothing of the deleted run may be stored after them
        Poll.until("the deleted run's calls end", Duration.ofSeconds(30), () -> upstream.inFlight() == 0);
        given().get("/v1/evals/" + evalId).then().statusCode(404).body("error.code", equalTo("not_found"));
        for (String runId : List.of(finished, running)) {
            given().get("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(404);
            given().get("/v1/evals/" + evalId + "/runs/" + runId + "/output_items").then().statusCode(404);
            assertEquals(Set.of(), stored(runId), "nothing of run " + runId + " left in the store");
        }
        given().get("/v1/evals/" + evalId + "/runs/" + finished + "/output_items/" + itemId).then().statusCode(404);
        given().get("/v1/evals/" + evalId + "/runs").then().statusCode(404);
        long questions = upstream.requests("stuck").size();
        assertTrue(questions <= CONCURRENCY, "no item of the deleted run started after the delete: " + questions);
    }

    /**
     * An uploaded file's item that does not match the schema: 400 naming its line (blank lines counted), its index
     * among the items, and the path inside it; nothing stored, nothing called.
     */
    @Test
    void anUploadedItemOffSchemaIsA400NamingItsLineIndexAndPath() throws IOException {
        String evalId = evalId();
        String file = upload("""
                {"item": {"question": "q0", "answer": "a"}}

                {"item": {"question": "q1", "answer": "a"}}
                {"question": "q2", "answer": 42}
                """);
        Set<String> before = storedRuns();
        given().contentType(ContentType.JSON).body(run("fake/gated", fileSource(file)).toString())
                .post("/v1/evals/" + evalId + "/runs").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_item"))
                .body("error.param", equalTo("data_source.source (line 4)"))
                .body("error.message", containsString("Item 2 (data_source.source (line 4))"))
                .body("error.message", containsString("at /answer: integer found, string expected"));

        ArrayNode inline = (ArrayNode) inline(4, "q").get("content");
        ((ObjectNode) inline.get(3).get("item")).putObject("answer").put("text", "nested");
        given().contentType(ContentType.JSON)
                .body(run("fake/gated", (ObjectNode) EvalsApiTest.JSON.createObjectNode().put("type", "file_content")
                        .set("content", inline)).toString())
                .post("/v1/evals/" + evalId + "/runs").then().statusCode(400)
                .body("error.param", equalTo("data_source.source.content[3].item"))
                .body("error.message", containsString("Item 3 (data_source.source.content[3].item)"))
                .body("error.message", containsString("at /answer: object found, string expected"));

        assertEquals(before, storedRuns(), "nothing stored");
        assertEquals(List.of(), upstream.requests(), "nothing called");
        given().get("/v1/evals/" + evalId + "/runs").then().statusCode(200).body("data.size()", equalTo(0));
    }

    /** An uploaded file with more items than {@code moa.eval.max-items}: 400 too_many_items, nothing stored. */
    @Test
    void anUploadedFileOverTheItemLimitIsA400() throws IOException {
        String evalId = evalId();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < EvalDirResource.MAX_ITEMS + 1; i++) {
            jsonl.append("{\"item\": {\"question\": \"q").append(i).append("\", \"answer\": \"a\"}}\n");
        }
        String file = upload(jsonl.toString());
        Set<String> before = storedRuns();
        given().contentType(ContentType.JSON).body(run("fake/gated", fileSource(file)).toString())
                .post("/v1/evals/" + evalId + "/runs").then().statusCode(400)
                .body("error.param", equalTo("data_source.source"))
                .body("error.code", equalTo("too_many_items"))
                .body("error.message", containsString("more than " + EvalDirResource.MAX_ITEMS + " items"))
                .body("error.message", containsString("at most " + EvalDirResource.MAX_ITEMS));

        // Exactly at the limit is fine.
        String atLimit = upload(jsonl.substring(0, jsonl.lastIndexOf("{\"item\"")));
        upstream.script("gated", new FakeUpstream.Answer("a", "stop"));
        String runId = start(evalId, run("fake/gated", fileSource(atLimit)));
        assertTrue(storedRuns().size() > before.size());
        Poll.until("the run at the limit completes", Duration.ofSeconds(60),
                () -> status(evalId, runId).equals("completed"));
        given().get("/v1/evals/" + evalId + "/runs/" + runId).then()
                .body("result_counts.total", equalTo(EvalDirResource.MAX_ITEMS))
                .body("result_counts.passed", equalTo(EvalDirResource.MAX_ITEMS));
    }

    private static String upload(String jsonl) {
        return given().multiPart("file", "items.jsonl", jsonl.getBytes(StandardCharsets.UTF_8))
                .multiPart("purpose", "evals").post("/v1/files").then().statusCode(200).extract().path("id");
    }

    private static ObjectNode fileSource(String fileId) {
        return EvalsApiTest.JSON.createObjectNode().put("type", "file_id").put("id", fileId);
    }

    /** The store's keys that belong to this run (its object, items, output items, execution). */
    private static Set<String> stored(String runId) throws IOException {
        try (var keys = Files.walk(EvalDirResource.dir())) {
            return keys.filter(Files::isRegularFile).map(Path::toString).filter(k -> k.contains(runId))
                    .collect(Collectors.toSet());
        }
    }

    /** The run objects and run items in the store (other tests' included). */
    private static Set<String> storedRuns() throws IOException {
        try (var keys = Files.walk(EvalDirResource.dir())) {
            return keys.filter(Files::isRegularFile).map(Path::toString)
                    .filter(k -> k.contains("/evals/items/") || k.contains("/evals/runs/"))
                    .collect(Collectors.toSet());
        }
    }
}
