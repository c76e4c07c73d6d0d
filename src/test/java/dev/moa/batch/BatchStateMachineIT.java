package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.MotoStack;
import dev.moa.testing.lambda.PackagedFunction;
import dev.moa.testing.lambda.StateMachineSteps;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWS path as far as these machines allow: S3 and the Step Functions API are moto's; the state machine's steps
 * are the definition in template.yaml, rendered for each step as Step Functions renders it, and handed to the
 * packaged function under Lambda's runtime client. (Step Functions itself does not run here: moto's interpreter has
 * no JSONL reader and runs Lambda tasks only in Docker.)
 */
class BatchStateMachineIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "moa-batch-test";

    @AutoClose
    private static MotoStack aws;
    @AutoClose
    private static FakeUpstream upstream;
    @AutoClose
    private static PackagedFunction function;
    private static StateMachineSteps steps;

    @BeforeAll
    static void start() throws Exception {
        aws = MotoStack.start(BUCKET);
        upstream = new FakeUpstream();
        TestStore store = new TestStore(Files.createTempDirectory("moa-sfn-store"), upstream.baseUrl());
        store.mix("duo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", \"model\": \"agg\"}]}]}");
        store.mix("broken", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"down\", \"retries\": 0}]}]}");
        steps = aws.stateMachine("BatchStateMachine", "moa-it-batch", Map.of("ToleratedFailurePercentage", "100"),
                () -> function);
        function = aws.function(store)
                .environment("MOA_BATCH_STATE_MACHINE", steps.arn())
                .environment("MOA_BATCH_INLINE_CONTENT_BYTES", "200")
                .start();
        function.initDuration();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @Test
    void aFileDroppedIntoTheInboxRunsThroughTheRenderedStepsAndLandsInTheOutbox() throws Exception {
        upstream.script("agg", new FakeUpstream.Echo());
        upstream.script("down", new FakeUpstream.Status(500, "model down", Map.of()));
        String input = String.join("\n", BatchEvents.line("a", "duo", "first"), BatchEvents.line("b", "broken", "second"),
                BatchEvents.line("c", "duo", "third")) + "\n";
        aws.s3().putObject(put -> put.bucket(BUCKET).key("inbox/daily.jsonl"), RequestBody.fromString(input));

        // What EventBridge hands the state machine for the drop folder's rule.
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0").put("source", "aws.s3").put("detail-type", "Object Created");
        event.putObject("detail").put("version", "0").<ObjectNode>set("bucket", JSON.createObjectNode().put("name", BUCKET));
        ((ObjectNode) event.path("detail")).putObject("object").put("key", "inbox/daily.jsonl").put("size", input.length());
        JsonNode context = steps.context("drop-1");

        JsonNode state = steps.prepare(event, context);
        assertEquals(10, state.path("max_concurrency").asInt(), "a number, as MaxConcurrencyPath needs");
        assertTrue(state.path("max_concurrency").isInt());
        state = steps.task("Open", state, context);
        assertEquals(200, state.at("/open/status").asInt(), state.toString());
        JsonNode opened = state.at("/open/answer");
        assertTrue(opened.path("run").asBoolean(), state.toString());
        assertEquals(BUCKET, opened.path("bucket").asText());
        assertEquals("inbox/daily.jsonl", opened.path("input_key").asText());
        String batchId = opened.path("batch_id").asText();

        // A retried first step opens the same batch.
        assertEquals(batchId, steps.task("Open", steps.prepare(event, context), context)
                .at("/open/answer/batch_id").asText());

        List<JsonNode> items = steps.mapItems("Lines", state, context);
        assertEquals(3, items.size());
        for (JsonNode item : items) {
            assertEquals(batchId, item.path("batch_id").asText());
            JsonNode result = lineTask(item);
            assertEquals(200, result.path("status").asInt(), result.toString());
        }
        // A Map item retried after it ran finds the line's record: the line does not run again.
        assertEquals(200, lineTask(items.get(0)).path("status").asInt());
        assertEquals(2, upstream.requests("agg").size(), "lines a and c once each");

        JsonNode finished = steps.task("Finish", state, context);
        assertEquals(200, finished.at("/finish/status").asInt(), finished.toString());

        List<String> output = objectLines("outbox/daily/output.jsonl");
        List<String> errors = objectLines("outbox/daily/errors.jsonl");
        assertEquals(Set.of("a", "c"), customIds(output));
        assertEquals(2, output.size());
        assertEquals(Set.of("b"), customIds(errors));
        JsonNode outboxBatch = JSON.readTree(object("outbox/daily/batch.json"));
        assertEquals("completed", outboxBatch.path("status").asText());
        assertEquals(3, outboxBatch.at("/request_counts/total").asInt());
        assertEquals(2, outboxBatch.at("/request_counts/completed").asInt());
        assertEquals(1, outboxBatch.at("/request_counts/failed").asInt());
        JsonNode first = JSON.readTree(output.stream().filter(l -> l.contains("\"a\"")).findFirst().orElseThrow());
        assertEquals("agg heard first", first.at("/response/body/choices/0/message/content").asText());

        // The same batch through the API, and its output file.
        HttpApiResponse read = function.call(BatchEvents.get("GET /v1/batches/{id}", "/v1/batches/" + batchId, batchId));
        assertEquals(200, read.statusCode(), read.body());
        assertEquals("completed", read.json(JSON).path("status").asText());
        String outputFile = read.json(JSON).path("output_file_id").asText();
        // Larger than MOA_BATCH_INLINE_CONTENT_BYTES (set low here): a redirect to a presigned S3 link, as clients
        // follow it.
        HttpApiResponse content = function.call(BatchEvents.get("GET /v1/files/{id}/content",
                "/v1/files/" + outputFile + "/content", outputFile));
        assertEquals(307, content.statusCode(), content.body());
        URI link = URI.create(content.header("location"));
        assertTrue(link.toString().startsWith(aws.endpoint() + "/" + BUCKET + "/files/"), link.toString());
        assertTrue(link.getQuery().contains("X-Amz-Signature="), link.toString());
        HttpResponse<String> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(link).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, download.statusCode(), download.body());
        assertEquals(output.stream().sorted().toList(), download.body().lines().sorted().toList());
    }

    @Test
    void theInternalRoutesRefuseEventsTheStateMachineDidNotWrite() {
        for (String step : List.of("open", "line", "finish")) {
            HttpApiResponse viaApi = function.call(HttpApiEvent.postJson("/internal/batch/" + step,
                    "{\"batch_id\": \"batch_000000000000000000000000\", \"index\": 0}"));
            assertEquals(404, viaApi.statusCode(), viaApi.body());
            assertEquals("unknown_url", viaApi.json(JSON).at("/error/code").asText());
        }
    }

    @Test
    void aBatchCreatedThroughTheApiStartsAnExecutionAndCancelStopsIt() throws Exception {
        HttpApiResponse uploaded = function.call(BatchEvents.upload("api.jsonl", BatchEvents.line("x", "duo", "hi") + "\n"));
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        String fileId = uploaded.json(JSON).path("id").asText();
        assertTrue(aws.s3().headObject(head -> head.bucket(BUCKET).key("files/" + fileId + ".jsonl")).contentLength() > 0,
                "the upload is in the bucket, where the Map's ItemReader reads it");

        HttpApiResponse created = function.call(BatchEvents.createBatch(fileId));
        assertEquals(200, created.statusCode(), created.body());
        String batchId = created.json(JSON).path("id").asText();
        assertEquals("validating", created.json(JSON).path("status").asText());

        ExecutionListItem execution = steps.execution(batchId);
        JsonNode executionInput = steps.input(execution);
        assertEquals(batchId, executionInput.path("batch_id").asText());
        assertEquals(BUCKET, executionInput.path("bucket").asText());

        HttpApiResponse cancelled = function.call(HttpApiEvent.route("POST /v1/batches/{id}/cancel",
                "/v1/batches/" + batchId + "/cancel", Map.of("id", batchId)));
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals("cancelled", cancelled.json(JSON).path("status").asText(), cancelled.body());
        assertEquals(ExecutionStatus.ABORTED, steps.status(execution));
        assertEquals(List.of(), upstream.requests(), "the cancelled batch ran no line");
    }

    private static JsonNode lineTask(JsonNode item) {
        return steps.item("Line", item, steps.context("line-child"));
    }

    private static String object(String key) {
        return aws.s3().getObjectAsBytes(get -> get.bucket(BUCKET).key(key)).asString(StandardCharsets.UTF_8);
    }

    private static List<String> objectLines(String key) {
        return object(key).lines().filter(l -> !l.isBlank()).toList();
    }

    private static Set<String> customIds(List<String> lines) throws Exception {
        Set<String> ids = new HashSet<>();
        for (String line : lines) {
            ids.add(JSON.readTree(line).path("custom_id").asText());
        }
        return ids;
    }
}
