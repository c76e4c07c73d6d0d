package dev.moa.batch;

/** Drives batches through their {@link BatchSteps}: in this process, or on Step Functions. */
public sealed interface BatchRunner permits EmbeddedBatchRunner, StepFunctionsBatchRunner {

    /** A new batch (status {@code validating}) was stored: run it. */
    void start(BatchObject batch);

    /** The batch was marked {@code cancelling}: start no more lines, keep the finished ones, end it. */
    void cancel(BatchObject batch);
}
