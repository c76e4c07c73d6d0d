package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.PythonTools;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Evals API on the embedded runner, driven by the official OpenAI Python SDK, against fake models whose answers
 * depend on the prompt: a mix that knows every answer, a weak direct model, and a judge for the model graders.
 */
@QuarkusTest
@WithTestResource(dev.moa.testing.UpstreamResource.class)
@WithTestResource(EvalDirResource.class)
class EvalsApiTest extends UpstreamTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** question → the right answer. */
    static final Map<String, String> ANSWERS = new java.util.LinkedHashMap<>();

    static {
        ANSWERS.put("Capital of France?", "Paris");
        ANSWERS.put("What is 2+2?", "4");
        ANSWERS.put("Color of a clear daytime sky?", "blue");
        ANSWERS.put("Largest planet?", "Jupiter");
        ANSWERS.put("Chemical symbol for gold?", "Au");
        ANSWERS.put("Author of Hamlet?", "Shakespeare");
    }

    /** What the weak model answers instead (absent: right; "!" : the call fails). */
    static final Map<String, String> WEAK = Map.of("Capital of France?", "paris", "Largest planet?", "Saturn",
            "Chemical symbol for gold?", "!");

    @BeforeEach
    void models() {
        store.mix("quiz-mix", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                   {"agents": [{"provider": "fake", "model": "qagg"}]}]}""");
        scriptModels(upstream);
    }

    static void scriptModels(FakeUpstream upstream) {
        upstream.script("qagg", new FakeUpstream.Computed(body -> new FakeUpstream.Answer(
                ANSWERS.getOrDefault(lastUser(body), "?"), "stop")));
        upstream.script("weak", new FakeUpstream.Computed(body -> {
            String question = lastUser(body);
            String answer = WEAK.getOrDefault(question, ANSWERS.getOrDefault(question, "?"));
            return answer.equals("!") ? new FakeUpstream.Status(500, "weak model down", Map.of())
                    : new FakeUpstream.Answer(answer, "stop");
        }));
        upstream.script("judge", new FakeUpstream.Computed(body -> {
            String prompt = lastUser(body);
            String answer = line(prompt, "Answer: ");
            String expected = line(prompt, "Expected: ");
            boolean right = answer.equalsIgnoreCase(expected);
            String system = body.path("messages").path(0).path("content").asText();
            if (system.contains("one of these labels")) {
                return new FakeUpstream.Answer(right ? "correct" : "incorrect", "stop");
            }
            return new FakeUpstream.Answer(right ? "Score: 9" : "Score: 2", "stop");
        }));
    }

    static String lastUser(JsonNode body) {
        String last = "";
        for (JsonNode m : body.path("messages")) {
            if (m.path("role").asText().equals("user")) {
                last = m.path("content").asText();
            }
        }
        return last;
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElse("");
    }

    static ObjectNode evalBody() {
        return (ObjectNode) read("""
                {"name": "quiz", "metadata": {"suite": "moa"},
                 "data_source_config": {"type": "custom", "include_sample_schema": true, "item_schema": {
                   "type": "object", "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
                   "required": ["question", "answer"]}},
                 "testing_criteria": [
                   {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                    "reference": "{{item.answer}}", "operation": "eq"},
                   {"type": "text_similarity", "name": "close", "input": "{{ sample.output_text }}",
                    "reference": "{{item.answer}}", "evaluation_metric": "fuzzy_match", "pass_threshold": 0.8},
                   {"type": "label_model", "name": "judged", "model": "fake/judge",
                    "input": [{"role": "system", "content": "You grade answers."},
                              {"role": "user", "content": "Question: {{item.question}}\\nAnswer: {{sample.output_text}}\\nExpected: {{item.answer}}"}],
                    "labels": ["correct", "incorrect"], "passing_labels": ["correct"]},
                   {"type": "score_model", "name": "scored", "model": "fake/judge",
                    "input": [{"role": "system", "content": "Rate the answer."},
                              {"type": "message", "role": "user", "content": {"type": "input_text", "text": "Question: {{item.question}}\\nAnswer: {{sample.output_text}}\\nExpected: {{item.answer}}"}}],
                    "range": [0, 10], "pass_threshold": 5}]}""");
    }

    static ArrayNode items() {
        ArrayNode content = JSON.createArrayNode();
        ANSWERS.forEach((q, a) -> content.addObject().putObject("item").put("question", q).put("answer", a));
        return content;
    }

    static ObjectNode template() {
        return (ObjectNode) read("""
                {"type": "template", "template": [
                  {"role": "developer", "content": "Answer with the answer only."},
                  {"role": "user", "content": "{{item.question}}"}]}""");
    }

    @Test
    void theSdkRunsAMixOnInlineItemsAndADirectModelOnAnUploadedFileWithEveryGraderExact() throws Exception {
        ObjectNode plan = JSON.createObjectNode();
        plan.set("eval", evalBody());
        StringBuilder jsonl = new StringBuilder();
        for (JsonNode entry : items()) {
            jsonl.append(entry.toString()).append('\n');
        }
        plan.putObject("files").put("quiz.jsonl", jsonl.toString());
        ArrayNode runs = plan.putArray("runs");
        ObjectNode mixRun = runs.addObject().put("name", "the mix");
        ObjectNode mixSource = mixRun.putObject("data_source").put("type", "completions").put("model", "quiz-mix");
        mixSource.putObject("source").put("type", "file_content").set("content", items());
        mixSource.set("input_messages", template());
        mixSource.putObject("sampling_params").put("temperature", 0.2).put("max_completion_tokens", 64)
                .put("seed", 7);
        ObjectNode weakRun = runs.addObject();
        ObjectNode weakSource = weakRun.putObject("data_source").put("type", "completions").put("model", "fake/weak");
        weakSource.putObject("source").put("type", "file_id").put("id", "$quiz.jsonl");
        weakSource.set("input_messages", template());

        JsonNode seen = sdk(plan);

        JsonNode eval = seen.path("eval");
        assertTrue(eval.path("id").asText().startsWith("eval_"), eval.toString());
        assertEquals("quiz", eval.path("name").asText());
        assertEquals("custom", eval.at("/data_source_config/type").asText());
        assertEquals("string", eval.at("/data_source_config/schema/properties/item/properties/question/type").asText());
        assertTrue(eval.at("/data_source_config/schema/properties/sample").isObject(), "include_sample_schema");
        List<String> criteria = new ArrayList<>();
        eval.path("testing_criteria").forEach(c -> criteria.add(c.path("id").asText()));
        assertEquals(4, criteria.size());
        assertTrue(criteria.get(0).startsWith("exact-"), criteria.toString());
        assertEquals(seen.path("eval"), seen.path("retrieved_eval"));

        // The mix knows everything: every grader passes every item.
        JsonNode mix = seen.path("runs").path(0);
        JsonNode mixRunSeen = mix.path("run");
        assertEquals("completed", mixRunSeen.path("status").asText(), mixRunSeen.toString());
        assertEquals("quiz-mix", mixRunSeen.path("model").asText());
        assertEquals("the mix", mixRunSeen.path("name").asText());
        assertEquals(counts(6, 6, 0, 0), counts(mixRunSeen));
        for (int i = 0; i < 4; i++) {
            assertEquals(criteria.get(i), mixRunSeen.at("/per_testing_criteria_results/" + i + "/testing_criteria")
                    .asText());
            assertEquals(6, mixRunSeen.at("/per_testing_criteria_results/" + i + "/passed").asInt());
            assertEquals(0, mixRunSeen.at("/per_testing_criteria_results/" + i + "/failed").asInt());
        }
        assertTrue(mixRunSeen.path("report_url").asText().endsWith("/v1/evals/" + eval.path("id").asText()
                + "/report"), mixRunSeen.path("report_url").asText());
        JsonNode mixUsage = usage(mixRunSeen);
        assertEquals(6, mixUsage.at("/sample:quiz-mix/invocation_count").asInt(), mixUsage.toString());
        assertEquals(12, mixUsage.at("/grader:fake~1judge/invocation_count").asInt(), mixUsage.toString());
        assertEquals(6, mix.path("output_items").size());
        assertEquals(3, mix.path("pages").asInt(), "limit 2: three pages");
        assertEquals(6, mix.path("passing_ids").size());

        JsonNode first = mix.path("output_items").path(0);
        assertEquals("eval.run.output_item", first.path("object").asText());
        assertEquals(0, first.path("datasource_item_id").asInt());
        assertEquals("Capital of France?", first.at("/datasource_item/question").asText());
        assertEquals("pass", first.path("status").asText());
        assertEquals("Paris", first.at("/sample/output/0/content").asText());
        assertEquals("developer", first.at("/sample/input/0/role").asText());
        assertEquals("Capital of France?", first.at("/sample/input/1/content").asText());
        assertEquals(0.2, first.at("/sample/temperature").asDouble());
        assertEquals(64, first.at("/sample/max_completion_tokens").asInt());
        assertEquals(7, first.at("/sample/seed").asInt());
        assertEquals(first, mix.path("retrieved"), "output_items.retrieve gives the listed item");
        // The mix ran as a mix: both proposers and the aggregator, with the run's sampling on the aggregator.
        JsonNode aggregatorCall = upstream.requests("qagg").stream()
                .filter(r -> lastUser(r.body()).equals("Capital of France?")).findFirst().orElseThrow().body();
        assertEquals(0.2, aggregatorCall.path("temperature").asDouble());
        assertEquals(7, aggregatorCall.path("seed").asInt());
        assertEquals(6, upstream.requests("p1").size());

        // The weak model: item 0 "paris" (exact fails, the rest pass), item 3 wrong, item 4 errored.
        JsonNode weak = seen.path("runs").path(1);
        JsonNode weakRunSeen = weak.path("run");
        assertEquals("completed", weakRunSeen.path("status").asText(), weakRunSeen.toString());
        assertEquals("fake/weak", weakRunSeen.path("model").asText());
        assertEquals(counts(6, 3, 2, 1), counts(weakRunSeen));
        int[][] expected = {{3, 2}, {4, 1}, {4, 1}, {4, 1}};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i][0], weakRunSeen.at("/per_testing_criteria_results/" + i + "/passed").asInt(),
                    criteria.get(i));
            assertEquals(expected[i][1], weakRunSeen.at("/per_testing_criteria_results/" + i + "/failed").asInt(),
                    criteria.get(i));
        }
        JsonNode weakUsage = usage(weakRunSeen);
        assertEquals(6, weakUsage.at("/sample:fake~1weak/invocation_count").asInt(), weakUsage.toString());
        assertEquals(10, weakUsage.at("/grader:fake~1judge/invocation_count").asInt(), "no grading of the error");
        List<String> statuses = new ArrayList<>();
        weak.path("output_items").forEach(i -> statuses.add(i.path("status").asText()));
        assertEquals(List.of("fail", "pass", "pass", "fail", "error", "pass"), statuses);
        JsonNode paris = weak.path("output_items").path(0);
        assertEquals("paris", paris.at("/sample/output/0/content").asText());
        assertEquals(List.of(0.0, 0.8, 1.0, 9.0), scores(paris));
        assertEquals(List.of(false, true, true, true), passed(paris));
        assertEquals("correct", paris.at("/results/2/sample/label").asText());
        JsonNode saturn = weak.path("output_items").path(3);
        assertEquals(List.of(0.0, 2.0 * 2 / 13, 0.0, 2.0), scores(saturn));
        JsonNode errored = weak.path("output_items").path(4);
        assertEquals("upstream_failed", errored.at("/sample/error/code").asText(), errored.toString());
        assertTrue(errored.at("/sample/error/message").asText().contains("weak model down"));
        assertEquals(0, errored.path("results").size());
        assertEquals(3, weak.path("passing_ids").size());

        // Each sample is what /v1/chat/completions answers for the same request.
        String direct = given().contentType(ContentType.JSON).body("""
                {"model": "fake/weak", "messages": [{"role": "developer", "content": "Answer with the answer only."},
                  {"role": "user", "content": "Largest planet?"}]}""").post("/v1/chat/completions").then()
                .statusCode(200).extract().path("choices[0].message.content");
        assertEquals(direct, saturn.at("/sample/output/0/content").asText());

        // Grader usage: exactly what the judge's calls reported.
        long judgeTokens = upstream.requests("judge").stream()
                .mapToLong(r -> r.usage().path("total_tokens").asLong()).sum();
        assertEquals(judgeTokens, mixUsage.at("/grader:fake~1judge/total_tokens").asLong()
                + weakUsage.at("/grader:fake~1judge/total_tokens").asLong());
        assertEquals(List.of(mixRunSeen.path("id").asText(), weakRunSeen.path("id").asText()),
                JSON.convertValue(seen.path("listed_runs"), List.class));
    }

    @Test
    void itemReferenceTakesTheMessagesFromTheItem() throws Exception {
        ObjectNode plan = JSON.createObjectNode();
        plan.set("eval", read("""
                {"name": "chats", "data_source_config": {"type": "custom", "item_schema": {"type": "object",
                   "properties": {"messages": {"type": "array"}, "answer": {"type": "string"}}}},
                 "testing_criteria": [{"type": "string_check", "name": "has it", "input": "{{sample.output_text}}",
                   "reference": "{{item.answer}}", "operation": "ilike"}]}"""));
        ObjectNode run = plan.putArray("runs").addObject();
        run.set("data_source", read("""
                {"type": "completions", "model": "fake/weak",
                 "input_messages": {"type": "item_reference", "item_reference": "item.messages"},
                 "source": {"type": "file_content", "content": [
                   {"item": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
                                          {"role": "user", "content": "Author of Hamlet?"}], "answer": "SHAKESPEARE"}},
                   {"item": {"messages": [{"role": "user", "content": "What is 2+2?"}], "answer": "5"}}]}}"""));
        JsonNode seen = sdk(plan);
        JsonNode runSeen = seen.at("/runs/0/run");
        assertEquals(counts(2, 1, 1, 0), counts(runSeen), runSeen.toString());
        assertEquals(3, seen.at("/runs/0/output_items/0/sample/input").size());
        assertEquals("Shakespeare", seen.at("/runs/0/output_items/0/sample/output/0/content").asText());
    }

    /** The shipped datasets and script: a mix against a direct model, the report's headline printed. */
    @Test
    void theShippedCompareScriptPrintsTheHeadline() throws Exception {
        Path script = Path.of("evals/compare.py").toAbsolutePath();
        Path out = Files.createTempFile("compare", ".out");
        Path err = Files.createTempFile("compare", ".err");
        Process process = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), script.toString(),
                "--base-url", "http://localhost:" + RestAssured.port + "/v1", "--mix", "quiz-mix",
                "--baseline", "fake/weak", "--judge", "fake/judge", "--poll-seconds", "0.2")
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the compare script did not end");
        }
        assertEquals(0, process.exitValue(), Files.readString(err));
        String headline = Files.readString(out);
        // The fakes know none of the shipped questions (they answer "?"): what matters is that every figure is there.
        assertTrue(headline.contains("short answers"), headline);
        assertTrue(headline.contains("open prompts"), headline);
        assertTrue(headline.lines().anyMatch(l -> l.strip().startsWith("quiz-mix") && l.contains("pass ")),
                headline);
        assertTrue(headline.lines().anyMatch(l -> l.strip().startsWith("fake/weak") && l.contains("latency p50")),
                headline);
        assertTrue(headline.contains("quiz-mix vs fake/weak:") && headline.contains("exact McNemar p ="), headline);
        assertEquals(50 + 6, upstream.requests("p1").size(), "every shipped item sampled once by the mix");
        assertEquals(50 + 6, upstream.requests("weak").size(), "and once by the direct model");
        assertEquals(2 * 6, upstream.requests("judge").size(), "the judge scores the open prompts");
    }

    @Test
    void cancelStopsTheRunAndDeleteRemovesRunsAndEvals() {
        upstream.script("slow", new FakeUpstream.Hang());
        String evalId = given().contentType(ContentType.JSON).body(evalBody().toString()).post("/v1/evals").then()
                .statusCode(201).extract().path("id");
        ObjectNode body = JSON.createObjectNode();
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", "fake/slow");
        ArrayNode content = JSON.createArrayNode();
        for (int i = 0; i < 10; i++) {
            content.addObject().putObject("item").put("question", "q" + i).put("answer", "a");
        }
        source.putObject("source").put("type", "file_content").set("content", content);
        source.set("input_messages", template());
        String runId = given().contentType(ContentType.JSON).body(body.toString())
                .post("/v1/evals/" + evalId + "/runs").then().statusCode(201)
                .body("status", equalTo("queued")).body("result_counts.total", equalTo(10))
                .extract().path("id");
        Poll.until("two items in flight", Duration.ofSeconds(30), () -> upstream.inFlight() == 2);

        given().post("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(200)
                .body("status", equalTo("canceled"));
        upstream.reset(); // the hanging calls end; nothing new may start
        Poll.until("the cancelled run's items in flight end", Duration.ofSeconds(30),
                () -> upstream.inFlight() == 0);
        given().get("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(200)
                .body("status", equalTo("canceled"));
        long questions = upstream.requests("slow").stream().map(r -> lastUser(r.body())).distinct().count();
        assertTrue(questions <= 2, "no item started after the cancel: " + questions);
        given().post("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(409);

        given().delete("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(200)
                .body("object", equalTo("eval.run.deleted")).body("deleted", equalTo(true))
                .body("run_id", equalTo(runId));
        given().get("/v1/evals/" + evalId + "/runs/" + runId).then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        given().get("/v1/evals/" + evalId + "/runs/" + runId + "/output_items").then().statusCode(404);
        given().get("/v1/evals/" + evalId + "/runs").then().statusCode(200).body("data.size()", equalTo(0));

        given().contentType(ContentType.JSON).body("{\"name\": \"renamed\", \"metadata\": {\"k\": \"v\"}}")
                .post("/v1/evals/" + evalId).then().statusCode(200).body("name", equalTo("renamed"))
                .body("metadata.k", equalTo("v"));
        given().delete("/v1/evals/" + evalId).then().statusCode(200)
                .body("object", equalTo("eval.deleted")).body("eval_id", equalTo(evalId));
        given().get("/v1/evals/" + evalId).then().statusCode(404);
        given().delete("/v1/evals/" + evalId).then().statusCode(404);
    }

    @Test
    void badInputIsAClear400AndNothingIsStoredOrRun() throws Exception {
        int evalsBefore = given().get("/v1/evals?limit=100").then().statusCode(200).extract().path("data.size()");
        Map<String, String[]> bad = new HashMap<>();
        bad.put("unknown grader type", new String[]{"/testing_criteria/0/type", "\"fuzzy\"",
                "testing_criteria[0].type", "Unknown grader type"});
        bad.put("python grader", new String[]{"/testing_criteria/0/type", "\"python\"",
                "testing_criteria[0].type", "python graders are not supported"});
        bad.put("unknown template variable", new String[]{"/testing_criteria/0/reference", "\"{{item.solution}}\"",
                "testing_criteria[0].reference", "unknown template variable {{item.solution}}"});
        bad.put("unknown sample variable", new String[]{"/testing_criteria/0/input", "\"{{sample.text}}\"",
                "testing_criteria[0].input", "unknown template variable {{sample.text}}"});
        bad.put("unknown namespace", new String[]{"/testing_criteria/0/input", "\"{{answer}}\"",
                "testing_criteria[0].input", "unknown template variable {{answer}}"});
        bad.put("unknown grader model", new String[]{"/testing_criteria/2/model", "\"nosuch/judge\"",
                "testing_criteria[2].model", "nosuch/judge"});
        bad.put("unsupported metric", new String[]{"/testing_criteria/1/evaluation_metric", "\"cosine\"",
                "testing_criteria[1].evaluation_metric", "cosine"});
        for (Map.Entry<String, String[]> c : bad.entrySet()) {
            ObjectNode body = evalBody();
            String[] v = c.getValue();
            String pointer = v[0];
            String parent = pointer.substring(0, pointer.lastIndexOf('/'));
            ((ObjectNode) body.at(parent)).set(pointer.substring(pointer.lastIndexOf('/') + 1), read(v[1]));
            given().contentType(ContentType.JSON).body(body.toString()).post("/v1/evals").then()
                    .statusCode(400).contentType(ContentType.JSON)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo(v[2]))
                    .body("error.message", containsString(v[3]));
        }
        assertEquals(evalsBefore, (int) given().get("/v1/evals?limit=100").then().extract().path("data.size()"),
                "no eval stored");

        java.util.Set<String> storedBefore = storedRuns();
        String evalId = given().contentType(ContentType.JSON).body(evalBody().toString()).post("/v1/evals").then()
                .statusCode(201).extract().path("id");
        ArrayNode wrongItem = items();
        ((ObjectNode) wrongItem.get(3).get("item")).remove("answer");
        runFails(evalId, runBody("quiz-mix", wrongItem, template()), "data_source.source.content[3].item",
                "invalid_item", "Item 3 (data_source.source.content[3].item) does not match the eval's item_schema: "
                        + "at /: required property 'answer' not found");
        ObjectNode badTemplate = template();
        ((ObjectNode) badTemplate.at("/template/1")).put("content", "{{item.topic}}");
        runFails(evalId, runBody("quiz-mix", items(), badTemplate), "data_source.input_messages.template",
                null, "unknown template variable {{item.topic}}");
        ObjectNode sampleInInput = template();
        ((ObjectNode) sampleInInput.at("/template/1")).put("content", "{{sample.output_text}}");
        runFails(evalId, runBody("quiz-mix", items(), sampleInInput), "data_source.input_messages.template",
                null, "before there is a sample");
        runFails(evalId, runBody("no-such-mix", items(), template()), "data_source.model", "model_not_found",
                "no-such-mix");
        ArrayNode many = JSON.createArrayNode();
        for (int i = 0; i < EvalDirResource.MAX_ITEMS + 1; i++) {
            many.addObject().putObject("item").put("question", "q" + i).put("answer", "a");
        }
        runFails(evalId, runBody("quiz-mix", many, template()), "data_source.source", "too_many_items",
                "at most " + EvalDirResource.MAX_ITEMS);
        String batchFile = given().multiPart("file", "b.jsonl", "{}\n".getBytes()).multiPart("purpose", "batch")
                .post("/v1/files").then().statusCode(200).extract().path("id");
        ObjectNode fromBatchFile = runBody("quiz-mix", items(), template());
        ((ObjectNode) fromBatchFile.at("/data_source")).putObject("source").put("type", "file_id")
                .put("id", batchFile);
        runFails(evalId, fromBatchFile, "data_source.source.id", "invalid_file", "not 'evals'");

        given().get("/v1/evals/" + evalId + "/runs").then().statusCode(200).body("data.size()", equalTo(0));
        assertEquals(storedBefore, storedRuns(), "nothing half-stored");
        assertEquals(List.of(), upstream.requests(), "nothing ran");
        given().get("/v1/evals/eval_000000000000000000000000").then().statusCode(404)
                .body("error.code", equalTo("not_found"));
    }

    /** The run objects and run items in the store (other tests' included). */
    private static java.util.Set<String> storedRuns() throws IOException {
        try (var keys = Files.walk(EvalDirResource.dir())) {
            return keys.filter(Files::isRegularFile).map(Path::toString)
                    .filter(k -> k.contains("/evals/items/") || k.contains("/evals/runs/"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    private static ObjectNode runBody(String model, ArrayNode content, ObjectNode input) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", model);
        source.putObject("source").put("type", "file_content").set("content", content);
        source.set("input_messages", input);
        return body;
    }

    private static void runFails(String evalId, ObjectNode body, String param, String code, String message) {
        var response = given().contentType(ContentType.JSON).body(body.toString())
                .post("/v1/evals/" + evalId + "/runs").then().statusCode(400).contentType(ContentType.JSON)
                .body("error.param", equalTo(param))
                .body("error.message", containsString(message));
        if (code != null) {
            response.body("error.code", equalTo(code));
        }
    }

    static List<Integer> counts(int total, int passed, int failed, int errored) {
        return List.of(total, passed, failed, errored);
    }

    static List<Integer> counts(JsonNode run) {
        JsonNode c = run.path("result_counts");
        return List.of(c.path("total").asInt(), c.path("passed").asInt(), c.path("failed").asInt(),
                c.path("errored").asInt());
    }

    /** per_model_usage keyed "<used_for>:<model>". */
    static JsonNode usage(JsonNode run) {
        ObjectNode out = JSON.createObjectNode();
        for (JsonNode u : run.path("per_model_usage")) {
            out.set(u.path("used_for").asText() + ":" + u.path("model_name").asText(), u);
        }
        return out;
    }

    private static List<Double> scores(JsonNode item) {
        List<Double> out = new ArrayList<>();
        item.path("results").forEach(r -> out.add(r.path("score").asDouble()));
        return out;
    }

    private static List<Boolean> passed(JsonNode item) {
        List<Boolean> out = new ArrayList<>();
        item.path("results").forEach(r -> out.add(r.path("passed").asBoolean()));
        return out;
    }

    static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(text, e);
        }
    }

    static JsonNode sdk(JsonNode plan) throws IOException, InterruptedException {
        Path planFile = Files.createTempFile("eval-plan", ".json");
        Files.writeString(planFile, plan.toString());
        Path script = Path.of("src/test/resources/eval/sdk_eval.py").toAbsolutePath();
        Path out = Files.createTempFile("eval-sdk", ".json");
        Path err = Files.createTempFile("eval-sdk", ".err");
        Process process = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), script.toString(),
                "http://localhost:" + RestAssured.port + "/v1", planFile.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the SDK script did not end");
        }
        String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), stderr);
        JsonNode seen = JSON.readTree(Files.readString(out));
        assertNotNull(seen.get("eval"), stderr);
        return seen;
    }
}
