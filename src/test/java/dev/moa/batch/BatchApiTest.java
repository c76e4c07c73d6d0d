package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.PythonTools;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Batch API on the embedded default, driven by the official OpenAI Python SDK where a user would use it. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@WithTestResource(BatchDirResource.class)
class BatchApiTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void mixes() {
        store.mix("duo", """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                   {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
        store.mix("broken", """
                {"layers": [{"agents": [{"provider": "fake", "model": "down", "retries": 0}]}]}""");
        store.mix("solo", """
                {"layers": [{"agents": [{"provider": "fake", "model": "solo", "retries": 0}]}]}""");
    }

    private static String line(String customId, String mix, String content) {
        return line(customId, mix, content, "");
    }

    private static String line(String customId, String mix, String content, String extra) {
        return "{\"custom_id\": \"" + customId + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", "
                + "\"body\": {\"model\": \"" + mix + "\", \"messages\": [{\"role\": \"user\", \"content\": \""
                + content + "\"}]" + extra + "}}";
    }

    @Test
    void theSdkRunsABatchToCompletedAndEveryLineIsWhatTheEndpointAnswers() throws Exception {
        upstream.script("agg", new FakeUpstream.Echo());
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            lines.add(line("req-" + i, "duo", "question " + i, i == 3 ? ", \"moa\": {\"trace\": true}" : ""));
        }
        JsonNode seen = sdk(lines);

        JsonNode batch = seen.path("batch");
        assertEquals("completed", batch.path("status").asText(), seen.toString());
        assertEquals(5, batch.at("/request_counts/total").asInt());
        assertEquals(5, batch.at("/request_counts/completed").asInt());
        assertEquals(0, batch.at("/request_counts/failed").asInt());
        assertEquals("/v1/chat/completions", batch.path("endpoint").asText());
        assertEquals("moa", batch.at("/metadata/suite").asText());
        for (String at : List.of("created_at", "in_progress_at", "finalizing_at", "completed_at")) {
            assertTrue(batch.path(at).asLong() > 0, at + " in " + batch);
        }
        assertTrue(seen.path("listed").asBoolean());
        assertTrue(batch.path("error_file_id").isNull());
        assertEquals("batch_output", seen.at("/output_file/purpose").asText());

        assertEquals(5, seen.path("output").size());
        Set<String> ids = new HashSet<>();
        for (JsonNode out : seen.path("output")) {
            String customId = out.path("custom_id").asText();
            assertTrue(ids.add(customId), "each line once: " + customId);
            assertTrue(out.path("id").asText().startsWith("batch_req_"));
            assertTrue(out.path("error").isNull());
            assertEquals(200, out.at("/response/status_code").asInt());
            assertFalse(out.at("/response/request_id").asText().isEmpty());
            JsonNode body = out.at("/response/body");
            assertEquals("chat.completion", body.path("object").asText());
            assertEquals("duo", body.path("model").asText());
            String n = customId.substring("req-".length());
            assertEquals("agg heard question " + n, body.at("/choices/0/message/content").asText());
            assertTrue(body.at("/usage/total_tokens").asLong() > 0);
            assertEquals(customId.equals("req-3"), body.path("moa").has("layers"), "the trace only where the line asked");
            // The fake provider has no price: every line's body counts its calls under moa, not in OpenAI's usage.
            assertEquals(3, body.at("/moa/cost_unpriced_calls").asInt(), body.toString());
            assertFalse(body.path("usage").has("cost_unpriced_calls"), body.toString());
        }
        assertEquals(Set.of("req-1", "req-2", "req-3", "req-4", "req-5"), ids);
        assertEquals(15, upstream.requests().size(), "three calls per line, each line once");
    }

    /** The "done when": 1,000 lines through a three-call mix with the official SDK, every line accounted for. */
    @Test
    void aThousandLineBatchCompletesWithEveryLineOnce() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            lines.add(line("k" + i, "duo", "q" + i));
        }
        long started = System.nanoTime();
        JsonNode seen = sdk(lines);
        long millis = (System.nanoTime() - started) / 1_000_000;

        JsonNode batch = seen.path("batch");
        assertEquals("completed", batch.path("status").asText());
        assertEquals(1000, batch.at("/request_counts/completed").asInt());
        assertEquals(0, batch.at("/request_counts/failed").asInt());
        assertEquals(1000, customIds(seen.path("output")).size());
        assertEquals(1000, seen.path("output").size());
        assertEquals(3000, upstream.requests().size());
        // A figure for the report, not an assertion: wall-clock time is no test.
        System.out.printf("1000-line batch via the SDK: %d ms from upload to download (concurrency 2)%n", millis);
    }

    @Test
    void linesWhoseMixFailsGoToTheErrorFileWithTheEndpointsErrorBody() throws Exception {
        upstream.script("down", new FakeUpstream.Status(500, "model down", java.util.Map.of()));
        JsonNode seen = sdk(List.of(line("ok-1", "duo", "a"), line("bad-1", "broken", "b"), line("ok-2", "duo", "c"),
                line("bad-2", "broken", "d")));

        JsonNode batch = seen.path("batch");
        assertEquals("completed", batch.path("status").asText(), seen.toString());
        assertEquals(4, batch.at("/request_counts/total").asInt());
        assertEquals(2, batch.at("/request_counts/completed").asInt());
        assertEquals(2, batch.at("/request_counts/failed").asInt());
        assertEquals(Set.of("ok-1", "ok-2"), customIds(seen.path("output")));
        assertEquals(Set.of("bad-1", "bad-2"), customIds(seen.path("errors")));
        for (JsonNode error : seen.path("errors")) {
            assertEquals(502, error.at("/response/status_code").asInt());
            assertEquals("upstream_failed", error.at("/response/body/error/code").asText());
            assertEquals("upstream_failed", error.at("/error/code").asText());
            assertTrue(error.at("/response/body/error/message").asText().contains("model down"), error.toString());
        }
    }

    @Test
    void anInvalidFileFailsWithLineNumberedErrorsAndNothingRuns() throws Exception {
        JsonNode seen = sdk(List.of(
                line("a", "duo", "fine"),
                "{not json",
                line("a", "duo", "same id again"),
                line("c", "duo", "x").replace("/v1/chat/completions", "/v1/embeddings"),
                line("d", "no-such-mix", "x"),
                line("e", "duo", "x").replace("\"role\": \"user\"", "\"role\": \"robot\"")));

        JsonNode batch = seen.path("batch");
        assertEquals("failed", batch.path("status").asText(), seen.toString());
        assertTrue(batch.path("failed_at").asLong() > 0);
        assertTrue(batch.path("output_file_id").isNull());
        List<String> found = new ArrayList<>();
        batch.at("/errors/data").forEach(e -> found.add(e.path("line").asInt() + ":" + e.path("code").asText()));
        assertEquals(List.of("2:invalid_json_line", "3:duplicate_custom_id", "4:invalid_url", "5:model_not_found",
                "6:invalid_request"), found, batch.path("errors").toString());
        assertEquals("body.model", batch.at("/errors/data/3/param").asText());
        assertEquals(List.of(), upstream.requests(), "nothing runs");
    }

    @Test
    void cancelKeepsTheFinishedLinesAndStartsNoNewOnes() throws IOException {
        // Two lines answer, the next two (concurrency 2) hang until released; six more are never started.
        upstream.script("solo", new FakeUpstream.Answer("one", "stop"), new FakeUpstream.Answer("two", "stop"),
                new FakeUpstream.Hang());
        String input = String.join("\n", IntStream.rangeClosed(1, 10)
                .mapToObj(i -> line("c" + i, "solo", "n" + i)).toList()) + "\n";
        String fileId = given().multiPart("file", "cancel.jsonl", input.getBytes(StandardCharsets.UTF_8))
                .multiPart("purpose", "batch").post("/v1/files").then().statusCode(200).extract().path("id");
        String batchId = given().contentType(ContentType.JSON).body("{\"input_file_id\": \"" + fileId
                        + "\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}")
                .post("/v1/batches").then().statusCode(200).extract().path("id");
        Poll.until("two lines answered and two hanging", Duration.ofSeconds(30),
                () -> upstream.requests("solo").size() == 2 && openRequests() == 2);

        given().post("/v1/batches/" + batchId + "/cancel").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("cancelling"));
        upstream.reset(); // the hanging lines fail mid-body and end: they were started before the cancel
        Poll.until("the batch ends", Duration.ofSeconds(30), () -> !"cancelling".equals(status(batchId)));

        JsonNode batch = JSON.valueToTree(given().get("/v1/batches/" + batchId).then().statusCode(200)
                .extract().as(java.util.Map.class));
        assertEquals("cancelled", batch.path("status").asText(), batch.toString());
        assertTrue(batch.path("cancelling_at").asLong() > 0 && batch.path("cancelled_at").asLong() > 0);
        assertEquals(10, batch.at("/request_counts/total").asInt());
        int completed = batch.at("/request_counts/completed").asInt();
        int failed = batch.at("/request_counts/failed").asInt();
        assertEquals(4, completed + failed, "the four lines started before the cancel, and no other");
        assertTrue(completed >= 2, batch.toString());
        // The upstream answers in the order requests arrive, not line order: which two of c1–c4 answered is a race.
        List<String> output = contentLines(batch.path("output_file_id").asText());
        assertEquals(completed, output.size(), output.toString());
        for (String line : output) {
            assertTrue(Set.of("c1", "c2", "c3", "c4").contains(JSON.readTree(line).path("custom_id").asText()), line);
        }
        for (int i = 5; i <= 10; i++) {
            String content = "n" + i;
            assertTrue(upstream.requests().stream().noneMatch(r -> r.body().toString().contains("\"" + content + "\"")),
                    "line " + i + " never started");
        }
        given().post("/v1/batches/" + batchId + "/cancel").then().statusCode(409);
    }

    @Test
    void unknownBatchesAndFilesAreOpenAiErrors() {
        given().get("/v1/batches/batch_000000000000000000000000").then().statusCode(404)
                .body("error.code", org.hamcrest.Matchers.equalTo("not_found"));
        given().get("/v1/files/file-nope/content").then().statusCode(404)
                .body("error.type", org.hamcrest.Matchers.equalTo("invalid_request_error"));
        given().contentType(ContentType.JSON).body("{\"input_file_id\": \"file-000000000000000000000000\", "
                        + "\"endpoint\": \"/v1/embeddings\", \"completion_window\": \"24h\"}")
                .post("/v1/batches").then().statusCode(400).body("error.param", org.hamcrest.Matchers.equalTo("endpoint"));
        given().contentType(ContentType.JSON).body("{\"batch_id\": \"x\"}").post("/internal/batch/finish").then()
                .statusCode(404).body("error.code", org.hamcrest.Matchers.equalTo("unknown_url"));
    }

    private long openRequests() {
        // A hanging request is recorded only once the client closes it; in flight = seen by the upstream's executor.
        return upstream.inFlight();
    }

    private static String status(String batchId) {
        return given().get("/v1/batches/" + batchId).then().statusCode(200).extract().path("status");
    }

    private static List<String> contentLines(String fileId) {
        return given().get("/v1/files/" + fileId + "/content").then().statusCode(200).extract().asString()
                .lines().toList();
    }

    private static Set<String> customIds(JsonNode lines) {
        Set<String> ids = new HashSet<>();
        StreamSupport.stream(lines.spliterator(), false).forEach(l -> ids.add(l.path("custom_id").asText()));
        return ids;
    }

    /** Runs the SDK script on a file of these lines and returns what it printed. */
    static JsonNode sdk(List<String> lines) throws IOException, InterruptedException {
        Path input = Files.createTempFile("batch-input", ".jsonl");
        Files.writeString(input, String.join("\n", lines) + "\n");
        return runSdk(input, "http://localhost:" + RestAssured.port + "/v1");
    }

    static JsonNode runSdk(Path input, String baseUrl) throws IOException, InterruptedException {
        Path script = Path.of("src/test/resources/batch/sdk_batch.py").toAbsolutePath();
        Path out = Files.createTempFile("batch-sdk", ".json");
        Path err = Files.createTempFile("batch-sdk", ".err");
        Process process = new ProcessBuilder(PythonTools.pythonWithOpenAi().toString(), script.toString(), baseUrl,
                input.toString()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the SDK script did not end");
        }
        String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), stderr);
        JsonNode seen = JSON.readTree(Files.readString(out));
        assertNotNull(seen.get("batch"), stderr);
        return seen;
    }
}
