package dev.moa.provider;

import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the protocol tests read from a call's outcome, whatever the wire protocol. */
final class CallOutcome {

    private CallOutcome() {
    }

    /** The upstream failure {@code call} ends with, wherever it stands in the cause chain. */
    static UpstreamFailure failure(Executable call) {
        Throwable thrown = assertThrows(Throwable.class, call);
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof UpstreamFailure u) {
                return u;
            }
        }
        throw new AssertionError("not an UpstreamFailure", thrown);
    }

    /** A streamed answer's tool call deltas, in order. */
    static List<CompletionEvent.ToolCallDelta> toolCallDeltas(List<CompletionEvent> events) {
        return events.stream().filter(e -> e instanceof CompletionEvent.ToolCallDelta)
                .map(e -> (CompletionEvent.ToolCallDelta) e).toList();
    }

    /** The arguments the deltas after the first (which names the call) carry, joined. */
    static String streamedArguments(List<CompletionEvent.ToolCallDelta> deltas) {
        return deltas.stream().skip(1).map(CompletionEvent.ToolCallDelta::arguments).collect(Collectors.joining());
    }
}
