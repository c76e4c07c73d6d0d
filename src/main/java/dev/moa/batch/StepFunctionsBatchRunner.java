package dev.moa.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Runs batches on the stack's Step Functions state machine ({@code moa.batch.state-machine}): one execution per
 * batch, named after it (so a retried start cannot run a batch twice). The state machine opens the batch, runs
 * each line in a Distributed Map (one invocation of this function per line, on the internal route) and finishes
 * it; cancel stops the execution (no new line starts) and ends the batch with the lines that finished.
 */
public final class StepFunctionsBatchRunner implements BatchRunner {

    private final SfnClient sfn;
    private final StateMachineExecutions executions;
    private final S3BatchStore store;
    private final BatchSteps steps;
    private final ObjectMapper json;

    public StepFunctionsBatchRunner(SfnClient sfn, String stateMachineArn, S3BatchStore store, BatchSteps steps,
                                    ObjectMapper json) {
        this.sfn = sfn;
        this.executions = new StateMachineExecutions(sfn, stateMachineArn);
        this.store = store;
        this.steps = steps;
        this.json = json;
    }

    /** The execution's input: what the state machine's first step opens. */
    public static ObjectNode input(ObjectMapper json, String batchId, String bucket) {
        ObjectNode input = json.createObjectNode();
        input.put("batch_id", batchId);
        input.put("bucket", bucket);
        return input;
    }

    @Override
    public void start(BatchObject batch) {
        executions.start(batch.id(), input(json, batch.id(), store.bucket()))
                .ifPresent(arn -> steps.records().saveExecution(batch.id(), arn));
    }

    @Override
    public void cancel(BatchObject batch) {
        steps.records().execution(batch.id()).ifPresent(arn -> sfn.stopExecution(stop -> stop.executionArn(arn)
                .cause("cancelled through POST /v1/batches/" + batch.id() + "/cancel")));
        steps.finish(batch.id());
    }
}
