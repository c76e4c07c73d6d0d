package dev.moa.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

import java.util.Optional;

/**
 * Starts the executions of one Step Functions state machine, each named after what it runs (a batch, an eval run):
 * a retried start finds the name taken and starts nothing, so nothing runs twice.
 */
public final class StateMachineExecutions {

    private final SfnClient sfn;
    private final String stateMachineArn;

    public StateMachineExecutions(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    /** Starts the execution {@code name} with {@code input}: its ARN, or none when it was started before. */
    public Optional<String> start(String name, ObjectNode input) {
        try {
            return Optional.of(sfn.startExecution(start -> start.stateMachineArn(stateMachineArn).name(name)
                    .input(input.toString())).executionArn());
        } catch (ExecutionAlreadyExistsException alreadyStarted) {
            return Optional.empty();
        }
    }
}
