package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.MotoServer;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    private static final String STATE_MACHINE = "moa-it-batch";
    private static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:moa-it:live";

    private static MotoServer moto;
    private static FakeUpstream upstream;
    private static PackagedFunction function;
    private static S3Client s3;
    private static SfnClient sfn;
    private static StateMachineDefinition machine;
    private static String stateMachineArn;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start();
        upstream = new FakeUpstream();
        TestStore store = new TestStore(Files.createTempDirectory("moa-sfn-store"), upstream.baseUrl());
        store.mix("duo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", \"model\": \"agg\"}]}]}");
        store.mix("broken", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"down\", \"retries\": 0}]}]}");
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY,
                MotoServer.SECRET_ACCESS_KEY));
        s3 = S3Client.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION))
                .credentialsProvider(credentials).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .build();
        sfn = SfnClient.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION))
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
        s3.createBucket(create -> create.bucket(BUCKET));

        machine = StateMachineDefinition.fromTemplate(Path.of("template.yaml"), Map.of("FunctionArn", FUNCTION_ARN,
                "Bucket", BUCKET, "MaxConcurrency", "10", "ToleratedFailurePercentage", "100"));
        stateMachineArn = sfn.createStateMachine(create -> create.name(STATE_MACHINE)
                .definition(machine.definition().toString())
                .roleArn("arn:aws:iam::123456789012:role/moa-it-batch")).stateMachineArn();

        function = PackagedFunction.fromMavenBuild()
                .environment("MOA_STORE", "file:" + store.dir())
                .environment(TestStore.KEY_VARIABLE, TestStore.SECRET_KEY)
                .environment("MOA_BATCH_BUCKET", BUCKET)
                .environment("MOA_BATCH_STATE_MACHINE", stateMachineArn)
                .environment("AWS_ENDPOINT_URL", moto.endpoint())
                .environment("AWS_REGION", MotoServer.REGION)
                .environment("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY)
                .environment("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY)
                .environment("QUARKUS_S3_PATH_STYLE_ACCESS", "true")
                .environment("MOA_BATCH_INLINE_CONTENT_BYTES", "200")
                .start();
        function.initDuration();
    }

    @AfterAll
    static void stop() {
        if (function != null) {
            function.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (moto != null) {
            moto.close();
        }
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
        s3.putObject(put -> put.bucket(BUCKET).key("inbox/daily.jsonl"), RequestBody.fromString(input));

        // What EventBridge hands the state machine for the drop folder's rule.
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0").put("source", "aws.s3").put("detail-type", "Object Created");
        event.putObject("detail").put("version", "0").<ObjectNode>set("bucket", JSON.createObjectNode().put("name", BUCKET));
        ((ObjectNode) event.path("detail")).putObject("object").put("key", "inbox/daily.jsonl").put("size", input.length());
        JsonNode context = executionContext("drop-1");

        JsonNode state = StateMachineDefinition.render(machine.state("Prepare").path("Parameters"), event, context);
        assertEquals(10, state.path("max_concurrency").asInt(), "a number, as MaxConcurrencyPath needs");
        assertTrue(state.path("max_concurrency").isInt());
        state = task("Open", state, context);
        assertEquals(200, state.at("/open/status").asInt(), state.toString());
        JsonNode opened = state.at("/open/answer");
        assertTrue(opened.path("run").asBoolean(), state.toString());
        assertEquals(BUCKET, opened.path("bucket").asText());
        assertEquals("inbox/daily.jsonl", opened.path("input_key").asText());
        String batchId = opened.path("batch_id").asText();

        // A retried first step opens the same batch.
        assertEquals(batchId, task("Open", StateMachineDefinition.render(machine.state("Prepare").path("Parameters"),
                event, context), context).at("/open/answer/batch_id").asText());

        List<JsonNode> items = mapItems(state);
        assertEquals(3, items.size());
        for (JsonNode item : items) {
            assertEquals(batchId, item.path("batch_id").asText());
            JsonNode result = lineTask(item);
            assertEquals(200, result.path("status").asInt(), result.toString());
        }
        // A Map item retried after it ran finds the line's record: the line does not run again.
        assertEquals(200, lineTask(items.get(0)).path("status").asInt());
        assertEquals(2, upstream.requests("agg").size(), "lines a and c once each");

        JsonNode finished = task("Finish", state, context);
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
        assertTrue(link.toString().startsWith(moto.endpoint() + "/" + BUCKET + "/files/"), link.toString());
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
        assertTrue(s3.headObject(head -> head.bucket(BUCKET).key("files/" + fileId + ".jsonl")).contentLength() > 0,
                "the upload is in the bucket, where the Map's ItemReader reads it");

        HttpApiResponse created = function.call(BatchEvents.createBatch(fileId));
        assertEquals(200, created.statusCode(), created.body());
        String batchId = created.json(JSON).path("id").asText();
        assertEquals("validating", created.json(JSON).path("status").asText());

        var executions = sfn.listExecutions(list -> list.stateMachineArn(stateMachineArn)).executions().stream()
                .filter(e -> e.name().equals(batchId)).toList();
        assertEquals(1, executions.size(), "one execution, named after the batch");
        JsonNode executionInput = JSON.readTree(sfn.describeExecution(d -> d.executionArn(executions.get(0)
                .executionArn())).input());
        assertEquals(batchId, executionInput.path("batch_id").asText());
        assertEquals(BUCKET, executionInput.path("bucket").asText());

        HttpApiResponse cancelled = function.call(HttpApiEvent.route("POST /v1/batches/{id}/cancel",
                "/v1/batches/" + batchId + "/cancel", Map.of("id", batchId)));
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertEquals("cancelled", cancelled.json(JSON).path("status").asText(), cancelled.body());
        assertEquals(ExecutionStatus.ABORTED, sfn.describeExecution(d -> d.executionArn(executions.get(0)
                .executionArn())).status());
        assertEquals(List.of(), upstream.requests(), "the cancelled batch ran no line");
    }

    /** Renders a Lambda task's Parameters, invokes the packaged function with the Payload, applies the selectors. */
    private static JsonNode task(String name, JsonNode input, JsonNode context) throws Exception {
        JsonNode state = machine.state(name);
        JsonNode parameters = StateMachineDefinition.render(state.path("Parameters"), input, context);
        assertEquals(FUNCTION_ARN, parameters.path("FunctionName").asText());
        JsonNode payload = invoke(parameters.path("Payload"));
        JsonNode result = StateMachineDefinition.render(state.path("ResultSelector"),
                JSON.createObjectNode().set("Payload", payload), context);
        return StateMachineDefinition.applyResultPath(input, state.path("ResultPath").asText(null), result);
    }

    private static JsonNode lineTask(JsonNode item) throws Exception {
        JsonNode context = executionContext("line-child");
        JsonNode state = machine.state("Line");
        JsonNode parameters = StateMachineDefinition.render(state.path("Parameters"), item, context);
        JsonNode payload = invoke(parameters.path("Payload"));
        return StateMachineDefinition.render(state.path("ResultSelector"), JSON.createObjectNode().set("Payload", payload),
                context);
    }

    /** The ItemReader (JSONL from S3, as Step Functions reads it) and the ItemSelector, per line. */
    private static List<JsonNode> mapItems(JsonNode state) throws Exception {
        JsonNode lines = machine.state("Lines");
        assertEquals("JSONL", lines.at("/ItemReader/ReaderConfig/InputType").asText());
        assertEquals("DISTRIBUTED", lines.at("/ItemProcessor/ProcessorConfig/Mode").asText());
        JsonNode reader = StateMachineDefinition.render(lines.at("/ItemReader/Parameters"), state, JSON.createObjectNode());
        String text = object(reader.path("Key").asText(), reader.path("Bucket").asText());
        List<JsonNode> items = new ArrayList<>();
        int index = 0;
        for (String line : text.split("\n")) {
            ObjectNode context = executionContext("drop-1").deepCopy();
            context.putObject("Map").putObject("Item").put("Index", index++).set("Value", JSON.readTree(line));
            items.add(StateMachineDefinition.render(lines.path("ItemSelector"), state, context));
        }
        return items;
    }

    private static JsonNode invoke(JsonNode payload) throws Exception {
        LambdaRuntimeApi.Outcome outcome = function.invoke(JSON.writeValueAsBytes(payload)).get(1, TimeUnit.MINUTES);
        if (!(outcome instanceof LambdaRuntimeApi.Response response)) {
            throw new AssertionError("the function failed: " + outcome);
        }
        JsonNode answer = JSON.readTree(response.body());
        assertFalse(answer.path("body").asText().contains(TestStore.SECRET_KEY));
        return answer;
    }

    private static JsonNode executionContext(String name) {
        ObjectNode context = JSON.createObjectNode();
        context.putObject("Execution").put("Id", "arn:aws:states:us-east-1:123456789012:execution:" + STATE_MACHINE
                + ":" + name).put("Name", name);
        return context;
    }

    private static String object(String key) {
        return object(key, BUCKET);
    }

    private static String object(String key, String bucket) {
        return s3.getObjectAsBytes(get -> get.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
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
