package dev.moa.engine;

import dev.moa.provider.CompletionEvent;
import dev.moa.provider.UpstreamFailure;

/**
 * One piece of a streamed mix answer: zero or more {@link Delta}s and {@link ToolCallDelta}s, then exactly one {@link Completed} or
 * {@link Interrupted}. A failure before the first delta is the stream's failure instead (a
 * {@link LayerFailedException}), because until then the answer can still be refused as a whole.
 */
public sealed interface AnswerEvent {

    /** A fragment of the aggregator's answer, as its upstream sent it. */
    record Delta(String content) implements AnswerEvent {
    }

    /** A fragment of one of the aggregator's tool calls, as its upstream sent it. */
    record ToolCallDelta(CompletionEvent.ToolCallDelta delta) implements AnswerEvent {
    }

    /** The answer is complete: the whole result, as a non-streamed run would return it. */
    record Completed(MixResult result) implements AnswerEvent {
    }

    /**
     * The aggregator failed after part of its answer was forwarded: no retry or fallback can take those words
     * back. {@code partial} holds what was said, the usage so far and every layer's trace, the aggregator's failure
     * included.
     */
    record Interrupted(UpstreamFailure failure, MixResult partial) implements AnswerEvent {
    }
}
