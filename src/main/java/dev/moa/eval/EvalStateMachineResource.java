package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.EventOrigin;
import dev.moa.batch.StateMachineResource;
import dev.moa.model.MoaError;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The eval state machine's steps ({@code POST /internal/eval/open|item|finish}), guarded as the batch steps are
 * ({@link StateMachineResource}): honoured only for Lambda events whose {@code requestContext.apiId} is the state
 * machine's marker, which API Gateway and Function URLs never produce; anything else answers like an unknown URL.
 */
@Path("/internal/eval")
@Consumes(MediaType.WILDCARD)
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class EvalStateMachineResource {

    private final EvalSteps steps;
    private final ObjectMapper json;
    private final EventOrigin origin;

    public EvalStateMachineResource(EvalSteps steps, ObjectMapper json, EventOrigin origin) {
        this.steps = steps;
        this.json = json;
        this.origin = origin;
    }

    /**
     * The first step: {@code {"input": {"eval_id", "run_id", "bucket"}}}. Answers
     * {@code {"eval_id", "run_id", "bucket", "items_key", "run"}}: where the Map reads the items, and whether it
     * should (not for a run canceled or deleted before it started).
     */
    @POST
    @Path("/open")
    public ObjectNode open(JsonNode step) {
        requireStateMachine("open");
        String evalId = step.at("/input/eval_id").asText();
        String runId = step.at("/input/run_id").asText();
        EvalRun run = steps.open(evalId, runId).orElse(null);
        ObjectNode answer = json.createObjectNode();
        answer.put("eval_id", evalId);
        answer.put("run_id", runId);
        answer.put("bucket", step.at("/input/bucket").asText());
        answer.put("items_key", EvalRecords.itemsKey(runId));
        answer.put("run", run != null && EvalRun.IN_PROGRESS.equals(run.status()));
        return answer;
    }

    /** One Map item: {@code {"eval_id", "run_id", "index", "item"}}; answers {@code {"index", "result"}}. */
    @POST
    @Path("/item")
    public ObjectNode item(JsonNode step) {
        requireStateMachine("item");
        int index = step.path("index").asInt(-1);
        if (index < 0) {
            throw MoaError.invalidRequest("index", "index must be an item's position in the run, from 0.");
        }
        EvalSteps.ItemResult result = steps.item(step.path("eval_id").asText(), step.path("run_id").asText(), index,
                step.path("item"));
        return json.createObjectNode().put("index", index).put("result", result.name().toLowerCase(java.util.Locale.ROOT));
    }

    /** The last step: {@code {"eval_id", "run_id"}}; counts every stored output and ends the run. */
    @POST
    @Path("/finish")
    public ObjectNode finish(JsonNode step) {
        requireStateMachine("finish");
        String runId = step.path("run_id").asText();
        EvalRun run = steps.finish(step.path("eval_id").asText(), runId)
                .orElseThrow(() -> Evals.notFound("run", runId));
        return json.createObjectNode().put("run_id", run.id()).put("status", run.status());
    }

    private void requireStateMachine(String step) {
        if (!origin.apiId().filter(StateMachineResource.ORIGIN::equals).isPresent()) {
            throw new MoaError(MoaError.Kind.NOT_FOUND, null, "unknown_url",
                    "Invalid URL (POST /internal/eval/" + step + ")");
        }
    }
}
