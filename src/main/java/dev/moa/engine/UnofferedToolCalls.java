package dev.moa.engine;

import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Redactor;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;

import java.util.stream.Collectors;

/**
 * An answer that calls tools the request never offered is unusable: a proposer's would become an empty reference,
 * an aggregator's would send the client a {@code tool_calls} finish for tools it does not have. Such an answer fails
 * its call like any other unusable 2xx (not retried; a fallback may still answer).
 */
final class UnofferedToolCalls {

    private UnofferedToolCalls() {
    }

    /** The completion, when its tool calls (if any) answer a request that offered tools. */
    static Completion check(CompletionCall call, Completion completion) {
        if (!completion.toolCalls().isEmpty() && !call.options().hasTools()) {
            throw failure(completion.toolCalls().stream().map(ToolCall::name).collect(Collectors.joining(", ")));
        }
        return completion;
    }

    /**
     * The streamed form: the first tool-call fragment of an answer to a request without tools fails the call
     * (redacted here: streamed failures are not redacted on their way out of the engine).
     */
    static CompletionEvent check(CompletionCall call, CompletionEvent event, Redactor redactor) {
        if (event instanceof CompletionEvent.ToolCallDelta delta && !call.options().hasTools()) {
            throw redactor.redact(failure(delta.name() == null ? "a tool" : delta.name()));
        }
        return event;
    }

    private static UpstreamFailure failure(String names) {
        return UpstreamFailure.badResponse("the answer calls tools (" + UpstreamFailure.shortened(names) + ") but the request offered none");
    }
}
