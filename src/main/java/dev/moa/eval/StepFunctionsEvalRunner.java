package dev.moa.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.StateMachineExecutions;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;

/**
 * Runs eval runs on the stack's eval state machine ({@code moa.eval.state-machine}), as batches run on theirs: one
 * execution per run, named after it (a retried start cannot run it twice). The state machine opens the run,
 * evaluates each item in a Distributed Map (one invocation of this function per item, on the internal route, at
 * most the batch concurrency at once) and finishes it. Stopping a run stops its execution (no item starts after)
 * and counts what its items stored.
 */
public final class StepFunctionsEvalRunner implements EvalRunner {

    private final SfnClient sfn;
    private final StateMachineExecutions executions;
    private final String bucket;
    private final EvalRecords records;
    private final EvalSteps steps;
    private final ObjectMapper json;

    public StepFunctionsEvalRunner(SfnClient sfn, String stateMachineArn, String bucket, EvalRecords records,
                                   EvalSteps steps, ObjectMapper json) {
        this.sfn = sfn;
        this.executions = new StateMachineExecutions(sfn, stateMachineArn);
        this.bucket = bucket;
        this.records = records;
        this.steps = steps;
        this.json = json;
    }

    /** The execution's input: what the state machine's first step opens. */
    public static ObjectNode input(ObjectMapper json, EvalRun run, String bucket) {
        ObjectNode input = json.createObjectNode();
        input.put("eval_id", run.evalId());
        input.put("run_id", run.id());
        input.put("bucket", bucket);
        return input;
    }

    @Override
    public void start(EvalRun run) {
        executions.start(run.id(), input(json, run, bucket)).ifPresent(arn -> records.saveExecution(run.id(), arn));
    }

    @Override
    public void stop(EvalRun run) {
        // A completed or failed run's execution has ended; only a queued, running or just canceled one is stopped.
        if (!EvalRun.COMPLETED.equals(run.status()) && !EvalRun.FAILED.equals(run.status())) {
            records.execution(run.id()).ifPresent(arn -> {
                try {
                    sfn.stopExecution(stop -> stop.executionArn(arn)
                            .cause("stopped through the Evals API (run " + run.id() + ")"));
                } catch (ExecutionDoesNotExistException gone) {
                    // Nothing left to stop.
                }
            });
        }
        steps.recount(run.evalId(), run.id());
    }
}
