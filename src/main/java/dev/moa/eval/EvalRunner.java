package dev.moa.eval;

/**
 * Drives eval runs through their items, as batches are driven: in this process ({@link EmbeddedEvalRunner}), or on
 * the stack's eval state machine ({@link StepFunctionsEvalRunner}, whose steps are {@link EvalSteps}).
 */
public sealed interface EvalRunner permits EmbeddedEvalRunner, StepFunctionsEvalRunner {

    /** A new run (status {@code queued}, its items stored) was stored: run it. */
    void start(EvalRun run);

    /** The run was canceled or is being deleted: start no more of its items; those in flight still end. */
    void stop(EvalRun run);
}
