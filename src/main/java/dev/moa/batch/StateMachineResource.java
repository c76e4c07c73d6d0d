package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.model.MoaError;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;

/**
 * The state machine's steps ({@code POST /internal/batch/open|line|finish}): not routed by the HTTP API, and
 * refused unless the request is a Lambda event the state machine wrote itself. Its events carry
 * {@code requestContext.apiId = "moa-state-machine"}: API Gateway and Function URLs fill in {@code requestContext}
 * themselves (a client controls headers and body, never that), and a Lambda event with any requestContext can
 * only be sent by a principal allowed to invoke the function directly (the state machine's role). Outside Lambda
 * (dev mode, the server build behind a Function URL) there is no such event, so these routes answer like an
 * unknown URL.
 */
@Path("/internal/batch")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class StateMachineResource {

    /** The marker the state machine's events carry; never a real API id (those are 10 lower-case alphanumerics). */
    public static final String ORIGIN = "moa-state-machine";

    private final BatchSteps steps;
    private final BatchRecords records;
    private final BatchStore store;
    private final ObjectMapper json;
    private final EventOrigin origin;

    public StateMachineResource(BatchSteps steps, BatchRecords records, BatchStore store, ObjectMapper json,
                                EventOrigin origin) {
        this.steps = steps;
        this.records = records;
        this.store = store;
        this.json = json;
        this.origin = origin;
    }

    /**
     * The first step: {@code {"input", "execution_id"}}, where the execution's input is {@code {"batch_id", "bucket"}}
     * (started by {@code POST /v1/batches}) or the EventBridge event of an object created under {@code inbox/}.
     * Answers {@code {"batch_id", "bucket", "input_key", "run"}}: whether the Map should run.
     */
    @POST
    @Path("/open")
    public ObjectNode open(JsonNode step) {
        requireStateMachine("open");
        JsonNode input = step.path("input");
        BatchObject batch;
        String inputKey;
        if (input.hasNonNull("batch_id")) {
            batch = records.find(input.path("batch_id").asText()).orElseThrow(() ->
                    Batches.notFound(input.path("batch_id").asText()));
            inputKey = BatchKeys.fileContent(batch.inputFileId());
        } else {
            inputKey = input.at("/detail/object/key").asText("");
            if (!inputKey.startsWith(BatchKeys.INBOX) || !inputKey.endsWith(".jsonl")) {
                throw MoaError.invalidRequest("detail.object.key", "not an inbox/*.jsonl object: " + inputKey);
            }
            batch = dropFolderBatch(step.path("execution_id").asText(), inputKey);
        }
        batch = steps.open(batch);
        ObjectNode answer = json.createObjectNode();
        answer.put("batch_id", batch.id());
        answer.put("bucket", store instanceof S3BatchStore s3 ? s3.bucket() : input.path("bucket").asText());
        answer.put("input_key", inputKey);
        answer.put("run", BatchObject.IN_PROGRESS.equals(batch.status()));
        return answer;
    }

    /** One Map item: {@code {"batch_id", "index", "line"}}; answers {@code {"index", "failed"}}. */
    @POST
    @Path("/line")
    public Uni<ObjectNode> line(JsonNode item) {
        requireStateMachine("line");
        String batchId = item.path("batch_id").asText();
        int index = item.path("index").asInt(-1);
        BatchObject batch = records.find(batchId).orElseThrow(() -> Batches.notFound(batchId));
        if (index < 0 || !BatchObject.IN_PROGRESS.equals(batch.status())) {
            // A cancelled batch starts no new line, even from a Map item already on its way.
            return Uni.createFrom().item(json.createObjectNode().put("index", index).put("skipped", true));
        }
        return steps.runLine(batch, index, item.path("line"))
                .map(outcome -> json.createObjectNode().put("index", index).put("failed", outcome.failed()));
    }

    /** The last step: {@code {"batch_id"}}; assembles the files and ends the batch. */
    @POST
    @Path("/finish")
    public ObjectNode finish(JsonNode input) {
        requireStateMachine("finish");
        BatchObject batch = steps.finish(input.path("batch_id").asText());
        return json.createObjectNode().put("batch_id", batch.id()).put("status", batch.status());
    }

    private BatchObject dropFolderBatch(String executionId, String inboxKey) {
        String id = Ids.batchFor(executionId.isEmpty() ? inboxKey : executionId);
        return records.find(id).orElseGet(() -> {
            long now = Clock.systemUTC().instant().getEpochSecond();
            BatchObject created = BatchObject.validating(id, null, BatchValidator.ENDPOINT, Batches.WINDOW, now,
                    now + 24 * 3600, json.createObjectNode().put("inbox_key", inboxKey), null);
            records.save(created);
            return created;
        });
    }

    private void requireStateMachine(String step) {
        // The Lambda event's API id (dev.moa.lambda.LambdaEventOrigin); none in the server build.
        if (!origin.apiId().filter(ORIGIN::equals).isPresent()) {
            throw new MoaError(MoaError.Kind.NOT_FOUND, null, "unknown_url",
                    "Invalid URL (POST /internal/batch/" + step + ")");
        }
    }
}
