package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.StateMachineDefinition;
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
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eval runs on the Lambda build with the stack's bucket (moto's S3) as the store: the Evals API starts an execution
 * of the eval state machine (moto's Step Functions API), and the state machine's steps, rendered from
 * {@code template.yaml}'s {@code EvalStateMachine} as Step Functions renders them, are handed to the packaged
 * function under Lambda's runtime client (moto cannot run the state machine itself: see BatchStateMachineIT).
 */
class EvalStateMachineIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "moa-eval-test";
    private static final String STATE_MACHINE = "moa-it-eval";
    private static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:moa-it:live";

    private static MotoServer moto;
    private static FakeUpstream upstream;
    private static TestStore store;
    private static PackagedFunction function;
    private static S3Client s3;
    private static SfnClient sfn;
    private static StateMachineDefinition machine;
    private static String stateMachineArn;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start();
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-eval-sfn-store"), upstream.baseUrl());
        store.mix("quiz-mix", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"p1\"},"
                + " {\"provider\": \"fake\", \"model\": \"p2\"}]}, {\"agents\": [{\"provider\": \"fake\", "
                + "\"model\": \"qagg\"}]}]}");
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY,
                MotoServer.SECRET_ACCESS_KEY));
        s3 = S3Client.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION))
                .credentialsProvider(credentials).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
                .build();
        sfn = SfnClient.builder().endpointOverride(URI.create(moto.endpoint())).region(Region.of(MotoServer.REGION))
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
        s3.createBucket(create -> create.bucket(BUCKET));

        machine = StateMachineDefinition.fromTemplate(Path.of("template.yaml"), "EvalStateMachine",
                Map.of("FunctionArn", FUNCTION_ARN, "Bucket", BUCKET, "MaxConcurrency", "10"));
        stateMachineArn = sfn.createStateMachine(create -> create.name(STATE_MACHINE)
                .definition(machine.definition().toString())
                .roleArn("arn:aws:iam::123456789012:role/moa-it-eval")).stateMachineArn();
        function = startFunction();
    }

    /** A fresh function process (a cold start): what it knows is what the bucket holds. */
    private static PackagedFunction startFunction() {
        PackagedFunction started = PackagedFunction.fromMavenBuild()
                .environment("MOA_STORE", "file:" + store.dir())
                .environment(TestStore.KEY_VARIABLE, TestStore.SECRET_KEY)
                .environment("MOA_BATCH_BUCKET", BUCKET)
                .environment("MOA_EVAL_STATE_MACHINE", stateMachineArn)
                .environment("AWS_ENDPOINT_URL", moto.endpoint())
                .environment("AWS_REGION", MotoServer.REGION)
                .environment("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY)
                .environment("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY)
                .environment("QUARKUS_S3_PATH_STYLE_ACCESS", "true")
                .start();
        started.initDuration();
        return started;
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
        EvalsApiTest.scriptModels(upstream);
    }

    @Test
    void aRunCompletesThroughTheRenderedStepsEachItemOnceAcrossARestart() throws Exception {
        String evalId = createEval();
        JsonNode created = createRun(evalId);
        String runId = created.path("id").asText();
        assertEquals("queued", created.path("status").asText(), created.toString());
        assertTrue(s3.headObject(head -> head.bucket(BUCKET).key("evals/items/" + runId + ".jsonl"))
                .contentLength() > 0, "the run's items are in the bucket, where the Map's ItemReader reads them");

        ExecutionListItem execution = execution(runId);
        JsonNode executionInput = JSON.readTree(sfn.describeExecution(d -> d.executionArn(execution.executionArn()))
                .input());
        assertEquals(evalId, executionInput.path("eval_id").asText());
        assertEquals(runId, executionInput.path("run_id").asText());
        assertEquals(BUCKET, executionInput.path("bucket").asText());
        assertEquals(List.of(), upstream.requests(), "nothing is evaluated in the request's process");

        JsonNode context = executionContext(runId);
        JsonNode state = StateMachineDefinition.render(machine.state("Prepare").path("Parameters"), executionInput,
                context);
        assertTrue(state.path("max_concurrency").isInt(), "a number, as MaxConcurrencyPath needs");
        state = task("Open", state, context);
        assertEquals(200, state.at("/open/status").asInt(), state.toString());
        assertTrue(state.at("/open/answer/run").asBoolean(), state.toString());
        assertEquals("in_progress", run(evalId, runId).path("status").asText());

        List<JsonNode> items = mapItems(state, runId);
        assertEquals(EvalsApiTest.ANSWERS.size(), items.size());
        assertEquals(items.get(2).path("item").path("question").asText(),
                List.copyOf(EvalsApiTest.ANSWERS.keySet()).get(2));

        // Three items, then the function's process goes away (a new instance takes the next invocations).
        for (JsonNode item : items.subList(0, 3)) {
            assertEquals(200, itemTask(item).path("status").asInt());
        }
        JsonNode halfway = run(evalId, runId);
        assertEquals("in_progress", halfway.path("status").asText());
        assertEquals(3, halfway.at("/result_counts/passed").asInt(), "the counts grow while it runs: " + halfway);
        function.close();
        function = startFunction();

        // The Map redriven after the restart hands every item again: the three stored ones are not evaluated twice.
        for (JsonNode item : items) {
            assertEquals(200, itemTask(item).path("status").asInt());
        }
        assertEquals(items.size(), upstream.requests("qagg").size(), "each item sampled exactly once");
        assertEquals(2 * items.size(), upstream.requests("judge").size(), "two model graders per item, once");

        JsonNode finished = task("Finish", state, context);
        assertEquals(200, finished.at("/finish/status").asInt(), finished.toString());
        // A retried finish step changes nothing.
        assertEquals(200, task("Finish", state, context).at("/finish/status").asInt());

        JsonNode done = run(evalId, runId);
        assertEquals("completed", done.path("status").asText(), done.toString());
        assertEquals(6, done.at("/result_counts/total").asInt());
        assertEquals(6, done.at("/result_counts/passed").asInt(), done.toString());
        assertEquals(0, done.at("/result_counts/failed").asInt());
        assertEquals(0, done.at("/result_counts/errored").asInt());
        for (JsonNode criterion : done.path("per_testing_criteria_results")) {
            assertEquals(6, criterion.path("passed").asInt(), criterion.toString());
        }
        Map<String, Integer> calls = new java.util.HashMap<>();
        done.path("per_model_usage").forEach(u -> calls.put(u.path("used_for").asText() + ":"
                + u.path("model_name").asText(), u.path("invocation_count").asInt()));
        assertEquals(Map.of("sample:quiz-mix", 6, "grader:fake/judge", 12), calls);
        assertTrue(done.path("report_url").asText().endsWith("/v1/evals/" + evalId + "/report"));

        List<String> outputKeys = s3.listObjectsV2(list -> list.bucket(BUCKET).prefix("evals/outputs/" + runId + "/"))
                .contents().stream().map(S3Object::key).toList();
        assertEquals(6, outputKeys.size(), outputKeys.toString());
        HttpApiResponse outputs = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId + "/output_items", Map.of("proxy", evalId + "/runs/" + runId
                        + "/output_items")));
        assertEquals(200, outputs.statusCode(), outputs.body());
        JsonNode page = outputs.json(JSON);
        assertEquals(6, page.path("data").size());
        for (int i = 0; i < 6; i++) {
            JsonNode output = page.path("data").path(i);
            assertEquals(i, output.path("datasource_item_id").asInt());
            assertEquals("pass", output.path("status").asText());
            assertEquals(List.copyOf(EvalsApiTest.ANSWERS.values()).get(i),
                    output.at("/sample/output/0/content").asText());
        }
    }

    @Test
    void aCanceledRunStopsItsExecutionAndStartsNoItem() throws Exception {
        String evalId = createEval();
        String runId = createRun(evalId).path("id").asText();
        ExecutionListItem execution = execution(runId);
        JsonNode context = executionContext(runId);
        JsonNode executionInput = JSON.readTree(sfn.describeExecution(d -> d.executionArn(execution.executionArn()))
                .input());
        JsonNode state = task("Open", StateMachineDefinition.render(machine.state("Prepare").path("Parameters"),
                executionInput, context), context);
        List<JsonNode> items = mapItems(state, runId);

        HttpApiResponse canceled = function.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        assertEquals(200, canceled.statusCode(), canceled.body());
        assertEquals("canceled", canceled.json(JSON).path("status").asText());
        assertEquals(ExecutionStatus.ABORTED, sfn.describeExecution(d -> d.executionArn(execution.executionArn()))
                .status());

        // A Map item already on its way when the execution stopped starts nothing.
        JsonNode item = itemTask(items.get(0));
        assertEquals(200, item.path("status").asInt());
        assertEquals(List.of(), upstream.requests(), "the canceled run evaluated no item");
        assertEquals("canceled", run(evalId, runId).path("status").asText());
    }

    @Test
    void theInternalRoutesRefuseEventsTheStateMachineDidNotWrite() {
        for (String step : List.of("open", "item", "finish")) {
            HttpApiResponse viaApi = function.call(HttpApiEvent.postJson("/internal/eval/" + step,
                    "{\"eval_id\": \"eval_x\", \"run_id\": \"evalrun_x\", \"index\": 0}"));
            assertEquals(404, viaApi.statusCode(), viaApi.body());
            assertEquals("unknown_url", viaApi.json(JSON).at("/error/code").asText());
        }
    }

    private static String createEval() {
        HttpApiResponse created = function.call(HttpApiEvent.postJson("/v1/evals", EvalsApiTest.evalBody()
                .toString()));
        assertEquals(201, created.statusCode(), created.body());
        return created.json(JSON).path("id").asText();
    }

    private static JsonNode createRun(String evalId) {
        ObjectNode body = JSON.createObjectNode().put("name", "the mix on AWS");
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", "quiz-mix");
        source.putObject("source").put("type", "file_content").set("content", EvalsApiTest.items());
        source.set("input_messages", EvalsApiTest.template());
        HttpApiResponse created = function.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs", Map.of("proxy", evalId + "/runs"))
                .withHeader("content-type", "application/json").withBody(body.toString()));
        assertEquals(201, created.statusCode(), created.body());
        return created.json(JSON);
    }

    private static JsonNode run(String evalId, String runId) {
        HttpApiResponse read = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        assertEquals(200, read.statusCode(), read.body());
        return read.json(JSON);
    }

    /** The one execution the run started, named after it. */
    private static ExecutionListItem execution(String runId) {
        List<ExecutionListItem> executions = sfn.listExecutions(list -> list.stateMachineArn(stateMachineArn))
                .executions().stream().filter(e -> e.name().equals(runId)).toList();
        assertEquals(1, executions.size(), "one execution, named after the run");
        return executions.get(0);
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

    private static JsonNode itemTask(JsonNode item) throws Exception {
        JsonNode context = executionContext("item-child");
        JsonNode state = machine.state("Item");
        JsonNode parameters = StateMachineDefinition.render(state.path("Parameters"), item, context);
        JsonNode payload = invoke(parameters.path("Payload"));
        return StateMachineDefinition.render(state.path("ResultSelector"), JSON.createObjectNode().set("Payload",
                payload), context);
    }

    /** The ItemReader (JSONL from S3, as Step Functions reads it) and the ItemSelector, per item. */
    private static List<JsonNode> mapItems(JsonNode state, String runId) throws Exception {
        JsonNode map = machine.state("Items");
        assertEquals("JSONL", map.at("/ItemReader/ReaderConfig/InputType").asText());
        assertEquals("DISTRIBUTED", map.at("/ItemProcessor/ProcessorConfig/Mode").asText());
        JsonNode reader = StateMachineDefinition.render(map.at("/ItemReader/Parameters"), state,
                JSON.createObjectNode());
        assertEquals(BUCKET, reader.path("Bucket").asText());
        String text = s3.getObjectAsBytes(get -> get.bucket(reader.path("Bucket").asText())
                .key(reader.path("Key").asText())).asString(StandardCharsets.UTF_8);
        List<JsonNode> items = new ArrayList<>();
        int index = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode context = executionContext(runId).deepCopy();
            context.putObject("Map").putObject("Item").put("Index", index++).set("Value", JSON.readTree(line));
            items.add(StateMachineDefinition.render(map.path("ItemSelector"), state, context));
        }
        return items;
    }

    private static JsonNode invoke(JsonNode payload) throws Exception {
        LambdaRuntimeApi.Outcome outcome = function.invoke(JSON.writeValueAsBytes(payload)).get(2, TimeUnit.MINUTES);
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
}
