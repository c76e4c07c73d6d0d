package dev.moa.api.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.api.ErrorBody;
import dev.moa.api.StreamErrors;
import dev.moa.api.Trace;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.LayerFailedException;
import dev.moa.engine.MixListener;
import dev.moa.engine.MixResult;
import dev.moa.engine.StreamedMix;
import dev.moa.gateway.GuardNotes;
import dev.moa.provider.UpstreamFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mix's streamed answer as OpenAI {@code text/event-stream} frames, each produced as its event arrives: the role
 * chunk with the first fragment, one chunk per fragment, the finish chunk, the usage chunk (summed over every call)
 * when asked for, {@code data: [DONE]}. While nothing else goes out, a comment line every {@code keepAlive} keeps
 * clients and proxies from closing an idle connection. The trace rides on the last chunk.
 *
 * <p>A failure before the first frame fails the frames, so the client gets an ordinary error response; after it,
 * the stream ends with an OpenAI error event (and the trace, when asked for).
 */
final class EventStream {

    static final String KEEP_ALIVE = ": mixing\n\n";
    private static final String CHUNK = "chat.completion.chunk";
    /** Marks the end of the answer's frames inside the merged stream; compared by identity. */
    private static final String END = new String("end of answer");

    private final ObjectMapper json;
    private final String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final boolean trace;
    /** Present when the client asked for progress events. */
    private final ProgressEvents progress;
    /** What the guards noted for the request (a limited key's estimate and settled cost), for the trace. */
    private final GuardNotes notes;

    EventStream(ObjectMapper json, String id, long created, String model, boolean includeUsage, boolean trace) {
        this(json, id, created, model, includeUsage, trace, false, new GuardNotes());
    }

    EventStream(ObjectMapper json, String id, long created, String model, boolean includeUsage, boolean trace,
                boolean progress, GuardNotes notes) {
        this.json = json;
        this.id = id;
        this.created = created;
        this.model = model;
        this.includeUsage = includeUsage;
        this.trace = trace;
        this.progress = progress ? new ProgressEvents(json, id, created, model) : null;
        this.notes = notes;
    }

    /** What the run must tell this stream: its progress, when the client asked for it. */
    MixListener listener() {
        return progress == null ? MixListener.NONE : progress;
    }

    Multi<String> frames(Uni<StreamedMix> mix, Duration keepAlive) {
        return Multi.createFrom().deferred(() -> {
            AtomicBoolean roleSent = new AtomicBoolean();
            AtomicBoolean anySent = new AtomicBoolean();
            Multi<String> answer = progress == null
                    ? mix.onItem().transformToMulti(StreamedMix::answer)
                            .onItem().transformToIterable(event -> frames(event, roleSent))
                    : progress.frames(mix, streamed -> streamed.answer()
                            .onItem().transformToIterable(event -> frames(event, roleSent)));
            Multi<String> ticks = Multi.createFrom().ticks().startingAfter(keepAlive).every(keepAlive)
                    .onOverflow().drop()
                    .map(tick -> KEEP_ALIVE);
            return Multi.createBy().merging().streams(
                            Multi.createBy().concatenating().streams(answer, Multi.createFrom().item(END)), ticks)
                    .select().first(frame -> frame != END)
                    .onItem().invoke(() -> anySent.set(true))
                    .onFailure().recoverWithMulti(f -> anySent.get()
                            ? Multi.createFrom().item(errorFrame(f))
                            : Multi.createFrom().failure(f));
        });
    }

    private List<String> frames(AnswerEvent event, AtomicBoolean roleSent) {
        if (event instanceof AnswerEvent.Delta delta) {
            String content = chunk(new ChatCompletionChunk.Delta(null, delta.content()), null, null);
            return roleSent.getAndSet(true) ? List.of(content)
                    : List.of(chunk(new ChatCompletionChunk.Delta("assistant", ""), null, null), content);
        }
        if (event instanceof AnswerEvent.ToolCallDelta call) {
            String chunk = chunk(new ChatCompletionChunk.Delta(null, null,
                    List.of(ChatCompletionChunk.ToolCallDelta.of(call.delta()))), null, null);
            return roleSent.getAndSet(true) ? List.of(chunk)
                    : List.of(chunk(new ChatCompletionChunk.Delta("assistant", ""), null, null), chunk);
        }
        if (event instanceof AnswerEvent.Completed completed) {
            MixResult result = completed.result();
            // The guards settled as the answer completed, before this frame: the trace carries what they noted.
            Trace last = Trace.asked(trace, model, result, notes);
            String role = roleSent.getAndSet(true) ? null : chunk(new ChatCompletionChunk.Delta("assistant", ""), null,
                    null);
            String finish = frame(new ChatCompletionChunk(id, CHUNK, created, model, List.of(
                    new ChatCompletionChunk.ChunkChoice(0, new ChatCompletionChunk.Delta(null, null), null,
                            result.answer().finishReason())), null, includeUsage ? null : last));
            String usage = includeUsage
                    ? frame(new ChatCompletionChunk(id, CHUNK, created, model, List.of(), result.usage(),
                    Trace.of(last, result.usage()))) : null;
            return java.util.stream.Stream.of(role, finish, usage, "data: [DONE]\n\n")
                    .filter(java.util.Objects::nonNull).toList();
        }
        AnswerEvent.Interrupted interrupted = (AnswerEvent.Interrupted) event;
        MixResult partial = interrupted.partial();
        return List.of(errorFrame(detail(interrupted.failure()),
                trace ? Trace.of(model, partial.latency().toMillis(), partial.layers()) : null));
    }

    private String chunk(ChatCompletionChunk.Delta delta, String finishReason, Trace last) {
        return frame(new ChatCompletionChunk(id, CHUNK, created, model, List.of(
                new ChatCompletionChunk.ChunkChoice(0, delta, null, finishReason)), null, last));
    }

    /** A failure after frames went out: an OpenAI error event, with the trace when the failure carries one. */
    private String errorFrame(Throwable failure) {
        Trace last = trace && failure instanceof LayerFailedException layer ? Trace.of(model, 0, layer.layers()) : null;
        return errorFrame(StreamErrors.map(failure).detail(), last);
    }

    private static ErrorBody.Detail detail(UpstreamFailure failure) {
        return failure.kind() == UpstreamFailure.Kind.DEADLINE
                ? new ErrorBody.Detail("The answer was cut off: " + failure.getMessage(), "timeout_error", null,
                        "deadline_exceeded")
                : new ErrorBody.Detail("The answer was cut off: the aggregator failed: " + failure.getMessage(),
                        "upstream_error", null, "upstream_failed");
    }

    private String errorFrame(ErrorBody.Detail detail, Trace last) {
        ObjectNode event = json.createObjectNode();
        event.set("error", json.valueToTree(detail));
        if (last != null) {
            event.set("moa", json.valueToTree(last));
        }
        return "data: " + event + "\n\n";
    }

    private String frame(ChatCompletionChunk chunk) {
        try {
            return "data: " + json.writeValueAsString(chunk) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
