package dev.moa.provider;

/**
 * One piece of a streamed completion, in protocol-neutral form. A stream is zero or more {@link Delta}s and
 * ends with exactly one {@link Finished}; a failure is the stream's failure (an {@link UpstreamFailure}).
 */
public sealed interface CompletionEvent {

    /** A fragment of the answer's text, as it arrived. */
    record Delta(String content) implements CompletionEvent {
    }

    /** The end of the answer: why it stopped and what the call used. */
    record Finished(String finishReason, Usage usage) implements CompletionEvent {
    }
}
