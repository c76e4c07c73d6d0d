package dev.moa.api.messages;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.api.AnthropicErrorBody;
import dev.moa.api.Trace;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.StreamedMix;
import dev.moa.gateway.GuardNotes;
import dev.moa.gateway.MixGateway;
import dev.moa.model.MixAnswer;
import dev.moa.model.MoaError;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.UpstreamFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A mix's streamed answer as Anthropic's Messages events: {@code message_start} once the proposers have answered,
 * then per content block {@code content_block_start}, its deltas ({@code text_delta}, {@code input_json_delta}) and
 * {@code content_block_stop}, then {@code message_delta} (stop reason, usage; and {@code moa}, our extension, as the
 * non-streamed message has it: the trace when asked for, the count of unpriced calls) and {@code message_stop}. A
 * {@code ping} every {@code keepAlive} while nothing else goes out (the proposers' time). A failure before the first
 * frame fails the frames (an ordinary error response); after it, an {@code error} event ends the stream.
 */
final class MessageEvents {

    /** Marks the end of the answer's frames inside the merged stream; compared by identity. */
    private static final String END = new String("end of answer");

    private final ObjectMapper json;
    private final String id;
    private final String model;
    private final Function<Throwable, AnthropicErrorBody> errors;
    private final boolean trace;
    private final GuardNotes notes;

    /**
     * @param trace whether the request asked for the trace ({@code "moa": {"trace": true}})
     * @param notes what the guards note as the answer completes (a client key's limits), for the trace
     */
    MessageEvents(ObjectMapper json, String id, String model, Function<Throwable, AnthropicErrorBody> errors,
                  boolean trace, GuardNotes notes) {
        this.json = json;
        this.id = id;
        this.model = model;
        this.errors = errors;
        this.trace = trace;
        this.notes = notes;
    }

    Multi<String> frames(Uni<StreamedMix> mix, Duration keepAlive) {
        return Multi.createFrom().deferred(() -> {
            Blocks blocks = new Blocks();
            AtomicBoolean anySent = new AtomicBoolean();
            Multi<String> answer = mix.onItem().transformToMulti(streamed -> Multi.createBy().concatenating().streams(
                            Multi.createFrom().item(frame("message_start", start())),
                            streamed.answer().onItem().transformToIterable(blocks::frames)));
            Multi<String> pings = Multi.createFrom().ticks().startingAfter(keepAlive).every(keepAlive)
                    .onOverflow().drop()
                    .map(tick -> frame("ping", json.createObjectNode().put("type", "ping")));
            return Multi.createBy().merging().streams(
                            Multi.createBy().concatenating().streams(answer, Multi.createFrom().item(END)), pings)
                    .select().first(frame -> frame != END)
                    .onItem().invoke(() -> anySent.set(true))
                    .onFailure().recoverWithMulti(f -> anySent.get()
                            ? Multi.createFrom().item(error(errors.apply(f)))
                            : Multi.createFrom().failure(f));
        });
    }

    private ObjectNode start() {
        ObjectNode event = json.createObjectNode().put("type", "message_start");
        event.set("message", json.valueToTree(AnthropicMessage.started(id, model)));
        return event;
    }

    private String error(AnthropicErrorBody body) {
        return frame("error", json.valueToTree(body));
    }

    private String frame(String event, ObjectNode data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    /** One stream's content blocks: which is open, and which block each tool call became. */
    private final class Blocks {
        private int next;
        private int open = -1;
        private boolean openIsText;
        private final Map<Integer, Integer> toolBlocks = new HashMap<>();

        List<String> frames(AnswerEvent event) {
            List<String> frames = new ArrayList<>();
            if (event instanceof AnswerEvent.Delta delta) {
                if (delta.content() == null || delta.content().isEmpty()) {
                    return frames;
                }
                if (open < 0 || !openIsText) {
                    close(frames);
                    ObjectNode block = json.createObjectNode().put("type", "text").put("text", "");
                    frames.add(startBlock(block, true));
                }
                ObjectNode d = json.createObjectNode().put("type", "text_delta").put("text", delta.content());
                frames.add(delta(d));
            } else if (event instanceof AnswerEvent.ToolCallDelta call) {
                CompletionEvent.ToolCallDelta fragment = call.delta();
                Integer index = toolBlocks.get(fragment.index());
                if (index == null) {
                    close(frames);
                    ObjectNode block = json.createObjectNode().put("type", "tool_use")
                            .put("id", fragment.id() == null ? "" : fragment.id())
                            .put("name", fragment.name() == null ? "" : fragment.name());
                    block.putObject("input");
                    frames.add(startBlock(block, false));
                    toolBlocks.put(fragment.index(), open);
                } else if (index != open) {
                    // Fragments of an earlier call after another block started: Anthropic's blocks do not interleave.
                    return frames;
                }
                if (fragment.arguments() != null && !fragment.arguments().isEmpty()) {
                    frames.add(delta(json.createObjectNode().put("type", "input_json_delta")
                            .put("partial_json", fragment.arguments())));
                }
            } else if (event instanceof AnswerEvent.Completed completed) {
                close(frames);
                MixAnswer answer = MixGateway.answer(completed.result());
                ObjectNode messageDelta = json.createObjectNode().put("type", "message_delta");
                ObjectNode d = messageDelta.putObject("delta");
                d.put("stop_reason", AnthropicMessage.word(answer.stopReason()));
                d.put("stop_sequence", AnthropicMessage.stopSequence(answer));
                messageDelta.set("usage", json.valueToTree(AnthropicMessage.Usage.of(answer.usage())));
                // The guards settled as the answer completed, before this frame: the trace carries what they noted.
                Trace moa = Trace.of(Trace.asked(trace, model, completed.result(), notes),
                        completed.result().usage());
                if (moa != null) {
                    messageDelta.set("moa", json.valueToTree(moa));
                }
                frames.add(frame("message_delta", messageDelta));
                frames.add(frame("message_stop", json.createObjectNode().put("type", "message_stop")));
            } else {
                AnswerEvent.Interrupted cut = (AnswerEvent.Interrupted) event;
                frames.add(error(interrupted(cut.failure())));
            }
            return frames;
        }

        private String startBlock(ObjectNode block, boolean text) {
            open = next++;
            openIsText = text;
            ObjectNode event = json.createObjectNode().put("type", "content_block_start").put("index", open);
            event.set("content_block", block);
            return frame("content_block_start", event);
        }

        private String delta(ObjectNode delta) {
            ObjectNode event = json.createObjectNode().put("type", "content_block_delta").put("index", open);
            event.set("delta", delta);
            return frame("content_block_delta", event);
        }

        private void close(List<String> frames) {
            if (open >= 0) {
                frames.add(frame("content_block_stop",
                        json.createObjectNode().put("type", "content_block_stop").put("index", open)));
                open = -1;
            }
        }
    }

    /** The error event of an answer cut off mid-way: a deadline (504) or a failed aggregator (502), by meaning. */
    static AnthropicErrorBody interrupted(UpstreamFailure failure) {
        return failure.kind() == UpstreamFailure.Kind.DEADLINE
                ? AnthropicErrors.body(new MoaError(MoaError.Kind.TIMEOUT, null, "deadline_exceeded",
                        "The answer was cut off: " + failure.getMessage()))
                : AnthropicErrors.body(new MoaError(MoaError.Kind.UPSTREAM, null, "upstream_failed",
                        "The answer was cut off: the aggregator failed: " + failure.getMessage()));
    }
}
