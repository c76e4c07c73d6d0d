package dev.moa.provider;

/**
 * One piece of a streamed completion, in protocol-neutral form. A stream is zero or more {@link Delta}s and
 * {@link ToolCallDelta}s and ends with exactly one {@link Finished}; a failure is the stream's failure (an
 * {@link UpstreamFailure}).
 */
public sealed interface CompletionEvent {

    /** A fragment of the answer's text, as it arrived. */
    record Delta(String content) implements CompletionEvent {
    }

    /**
     * A fragment of one tool call, as OpenAI streams them: the first fragment of call {@code index} carries its
     * {@code id} and function {@code name}, later ones only further {@code arguments} text (unset fields are
     * {@code null}). The fragments of one index, concatenated, are the call.
     */
    record ToolCallDelta(int index, String id, String name, String arguments) implements CompletionEvent {
    }

    /**
     * The end of the answer: why it stopped and what the call used; {@code stopSequence} as in
     * {@link Completion#stopSequence()}.
     */
    record Finished(String finishReason, Usage usage, String stopSequence) implements CompletionEvent {

        public Finished(String finishReason, Usage usage) {
            this(finishReason, usage, null);
        }
    }
}
