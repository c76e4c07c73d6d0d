package dev.moa.testing.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.TestStore;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A state machine created on moto, its executions played step by step as Step Functions would play them (moto's
 * interpreter has no JSONL reader and runs Lambda tasks only in Docker): a state's Parameters rendered from the
 * deployed definition, a Lambda task's Payload handed to the packaged function under the runtime client, its answer
 * put through the state's ResultSelector and ResultPath; a distributed Map's items read from S3 as its ItemReader
 * reads them and put through its ItemSelector.
 */
public final class StateMachineSteps {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long INVOKE_TIMEOUT_MINUTES = 2;

    private final StateMachineDefinition machine;
    private final String name;
    private final String arn;
    private final MotoStack stack;
    private final Supplier<PackagedFunction> function;

    StateMachineSteps(StateMachineDefinition machine, String name, String arn, MotoStack stack,
                      Supplier<PackagedFunction> function) {
        this.machine = machine;
        this.name = name;
        this.arn = arn;
        this.stack = stack;
        this.function = function;
    }

    public StateMachineDefinition machine() {
        return machine;
    }

    /** The state machine's ARN, which the function is configured with to start executions. */
    public String arn() {
        return arn;
    }

    /** The context object ({@code $$}) of the execution named {@code execution}. */
    public ObjectNode context(String execution) {
        ObjectNode context = JSON.createObjectNode();
        context.putObject("Execution").put("Id", "arn:aws:states:us-east-1:123456789012:execution:" + name + ":"
                + execution).put("Name", execution);
        return context;
    }

    /** The Prepare state's output for the execution's input. */
    public JsonNode prepare(JsonNode executionInput, JsonNode context) {
        return StateMachineDefinition.render(machine.state("Prepare").path("Parameters"), executionInput, context);
    }

    /** A Lambda task: Parameters rendered, the Payload invoked, then the ResultSelector and the ResultPath applied. */
    public JsonNode task(String state, JsonNode input, JsonNode context) {
        JsonNode payload = invoke(parameters(state, input, context).path("Payload"));
        return StateMachineDefinition.applyResultPath(input, machine.state(state).path("ResultPath").asText(null),
                select(state, payload, context));
    }

    /** A Lambda task in a Map's item processor (no ResultPath): what the item's run hands back. */
    public JsonNode item(String state, JsonNode item, JsonNode context) {
        return select(state, invoke(parameters(state, item, context).path("Payload")), context);
    }

    /** A Lambda task's Parameters rendered for {@code input}; they name the function. */
    public JsonNode parameters(String state, JsonNode input, JsonNode context) {
        JsonNode parameters = StateMachineDefinition.render(machine.state(state).path("Parameters"), input, context);
        assertEquals(MotoStack.FUNCTION_ARN, parameters.path("FunctionName").asText());
        return parameters;
    }

    /** One invocation of the function with {@code payload} as its event: the function's answer. */
    public JsonNode invoke(JsonNode payload) {
        try {
            LambdaRuntimeApi.Outcome outcome = function.get().invoke(JSON.writeValueAsBytes(payload))
                    .get(INVOKE_TIMEOUT_MINUTES, TimeUnit.MINUTES);
            if (!(outcome instanceof LambdaRuntimeApi.Response response)) {
                throw new AssertionError("the function failed: " + outcome);
            }
            JsonNode answer = JSON.readTree(response.body());
            assertFalse(answer.path("body").asText().contains(TestStore.SECRET_KEY));
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the invocation did not complete", e);
        }
    }

    private JsonNode select(String state, JsonNode payload, JsonNode context) {
        return StateMachineDefinition.render(machine.state(state).path("ResultSelector"),
                JSON.createObjectNode().set("Payload", payload), context);
    }

    /**
     * The distributed Map {@code map}'s items, in order: the JSONL object its ItemReader names read from the stack's
     * bucket, each line put through the ItemSelector with its index and value in the context.
     */
    public List<JsonNode> mapItems(String map, JsonNode state, JsonNode context) {
        JsonNode mapState = machine.state(map);
        assertEquals("JSONL", mapState.at("/ItemReader/ReaderConfig/InputType").asText());
        assertEquals("DISTRIBUTED", mapState.at("/ItemProcessor/ProcessorConfig/Mode").asText());
        JsonNode reader = StateMachineDefinition.render(mapState.at("/ItemReader/Parameters"), state,
                JSON.createObjectNode());
        assertEquals(stack.bucket(), reader.path("Bucket").asText());
        String text = stack.s3().getObjectAsBytes(get -> get.bucket(reader.path("Bucket").asText())
                .key(reader.path("Key").asText())).asString(StandardCharsets.UTF_8);
        List<JsonNode> items = new ArrayList<>();
        int index = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode itemContext = context.deepCopy();
            try {
                itemContext.putObject("Map").putObject("Item").put("Index", index++).set("Value", JSON.readTree(line));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            items.add(StateMachineDefinition.render(mapState.path("ItemSelector"), state, itemContext));
        }
        return items;
    }

    /** The one execution named {@code execution} (the function names each after its batch or run). */
    public ExecutionListItem execution(String execution) {
        List<ExecutionListItem> executions = stack.sfn().listExecutions(list -> list.stateMachineArn(arn))
                .executions().stream().filter(e -> e.name().equals(execution)).toList();
        assertEquals(1, executions.size(), "one execution, named " + execution);
        return executions.get(0);
    }

    /** The input the function started the execution with. */
    public JsonNode input(ExecutionListItem execution) {
        try {
            return JSON.readTree(stack.sfn().describeExecution(d -> d.executionArn(execution.executionArn())).input());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ExecutionStatus status(ExecutionListItem execution) {
        return stack.sfn().describeExecution(d -> d.executionArn(execution.executionArn())).status();
    }
}
