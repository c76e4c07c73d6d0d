package dev.moa.api.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.MixResult;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.ToolCall;
import dev.moa.engine.StreamedMix;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A mix's streamed answer as Responses API events, each written as its {@link AnswerEvent} arrives:
 * {@code response.created} and {@code response.in_progress} with the first one, then for the text an
 * {@code output_item.added}, {@code content_part.added}, one {@code output_text.delta} per fragment and the
 * {@code .done} events, for each tool call {@code output_item.added}, {@code function_call_arguments.delta}s and
 * {@code .done}, and at the end {@code response.completed} (or {@code response.incomplete} when the answer hit
 * {@code max_output_tokens}) with the usage. Every event carries its {@code sequence_number}. An answer cut off
 * after it started ends with {@code response.failed}, never a cut stream.
 */
final class ResponseEvents {

    static final String KEEP_ALIVE = ": mixing\n\n";
    /** Marks the end of the answer's frames inside the merged stream; compared by identity. */
    private static final String END = new String("end of answer");

    private final ObjectMapper json;
    private final ResponsesRequest request;
    private final String id;
    private final long createdAt;
    private final Function<MixResult, Object> trace;
    private final Consumer<ResponseObject> finished;

    /**
     * @param trace    the last event's {@code moa} (the trace if asked for, the count of unpriced calls), null for none
     * @param finished called with the whole response once it completed (to store it)
     */
    ResponseEvents(ObjectMapper json, ResponsesRequest request, String id, long createdAt,
                   Function<MixResult, Object> trace, Consumer<ResponseObject> finished) {
        this.json = json;
        this.request = request;
        this.id = id;
        this.createdAt = createdAt;
        this.trace = trace;
        this.finished = finished;
    }

    /** A new stream's encoder: its events, numbered from 0. */
    Encoder encoder() {
        return new Encoder();
    }

    /**
     * The frames of {@code mix}'s answer as they are produced, with an SSE comment every {@code keepAlive} while
     * nothing else goes out (the proposers' time). A failure before anything was sent fails the frames (the client
     * gets an ordinary error response); after it, the stream ends with {@code response.failed}. The completed
     * event is encoded on {@code storing}, since handing the response over may write it to the store.
     *
     * @param failureMessage what a client is told about a failure (the OpenAI error object's message)
     */
    Multi<String> frames(Uni<StreamedMix> mix, Duration keepAlive, Executor storing,
                         Function<Throwable, String> failureMessage) {
        return Multi.createFrom().deferred(() -> {
            Encoder encoder = encoder();
            AtomicBoolean anySent = new AtomicBoolean();
            Multi<String> answer = mix.onItem().transformToMulti(StreamedMix::answer)
                    .onItem().transformToUniAndConcatenate(event -> event instanceof AnswerEvent.Completed
                            ? Uni.createFrom().item(() -> encoder.frames(event)).runSubscriptionOn(storing)
                            : Uni.createFrom().item(encoder.frames(event)))
                    .onItem().<String>disjoint();
            Multi<String> ticks = Multi.createFrom().ticks().startingAfter(keepAlive).every(keepAlive)
                    .onOverflow().drop()
                    .map(tick -> KEEP_ALIVE);
            return Multi.createBy().merging().streams(
                            Multi.createBy().concatenating().streams(answer, Multi.createFrom().item(END)), ticks)
                    .select().first(frame -> frame != END)
                    .onItem().invoke(() -> anySent.set(true))
                    .onFailure().recoverWithMulti(f -> anySent.get()
                            ? Multi.createFrom().items(encoder.failed(failureMessage.apply(f), null).stream())
                            : Multi.createFrom().failure(f));
        });
    }

    /** The output items of a whole answer: its text as one message (when it has text or nothing else), its calls. */
    static List<Item> output(Completion answer, String status) {
        List<Item> items = new ArrayList<>();
        if (!answer.content().isEmpty() || !answer.hasToolCalls()) {
            items.add(new Item.Message(ResponseIds.next("msg"), status, "assistant",
                    List.of(Item.Part.output(answer.content()))));
        }
        for (ToolCall call : answer.toolCalls()) {
            items.add(new Item.FunctionCall(ResponseIds.next("fc"), call.id(), call.name(), call.arguments(),
                    "completed"));
        }
        return items;
    }

    /** {@code incomplete} when the answer stopped at its token limit, else {@code completed}. */
    static String status(Completion answer) {
        return "length".equals(answer.finishReason()) ? ResponseObject.INCOMPLETE : ResponseObject.COMPLETED;
    }

    /** The state of one stream: what was sent, and the item being written. */
    final class Encoder {
        private long sequence;
        private boolean started;
        private final List<Item> output = new ArrayList<>();
        private boolean streamedText;
        private boolean streamedCalls;
        // The message being written, if any.
        private String textId;
        private StringBuilder text;
        // The function call being written, if any, and the upstream's index for it.
        private Integer callIndex;
        private Item.FunctionCall call;
        private StringBuilder arguments;

        boolean started() {
            return started;
        }

        List<String> frames(AnswerEvent event) {
            List<ResponseStreamEvent> events = new ArrayList<>();
            start(events);
            if (event instanceof AnswerEvent.Delta delta) {
                text(delta.content(), events);
            } else if (event instanceof AnswerEvent.ToolCallDelta fragment) {
                call(fragment.delta(), events);
            } else if (event instanceof AnswerEvent.Completed completed) {
                complete(completed.result(), events);
            } else {
                AnswerEvent.Interrupted cut = (AnswerEvent.Interrupted) event;
                events.add(failedEvent("The answer was cut off: " + cut.failure().getMessage(),
                        trace == null ? null : trace.apply(cut.partial())));
            }
            return events.stream().map(this::frame).toList();
        }

        /**
         * The stream's last events when it failed after something was sent: {@code response.failed}, after
         * {@code response.created} and {@code response.in_progress} if only keep-alives went out before.
         */
        List<String> failed(String message, Object failureTrace) {
            List<ResponseStreamEvent> events = new ArrayList<>();
            start(events);
            events.add(failedEvent(message, failureTrace));
            return events.stream().map(this::frame).toList();
        }

        private void start(List<ResponseStreamEvent> events) {
            if (started) {
                return;
            }
            started = true;
            ResponseObject response = ResponseObject.of(id, createdAt, request, ResponseObject.IN_PROGRESS, List.of(),
                    null, null, null);
            events.add(ResponseStreamEvent.ofResponse("response.created", sequence++, response));
            events.add(ResponseStreamEvent.ofResponse("response.in_progress", sequence++, response));
        }

        private void text(String fragment, List<ResponseStreamEvent> events) {
            if (fragment == null || fragment.isEmpty()) {
                return;
            }
            closeCall(events);
            openText(events);
            streamedText = true;
            text.append(fragment);
            events.add(ResponseStreamEvent.textDelta(sequence++, textId, output.size(), fragment));
        }

        private void openText(List<ResponseStreamEvent> events) {
            if (textId != null) {
                return;
            }
            textId = ResponseIds.next("msg");
            text = new StringBuilder();
            events.add(ResponseStreamEvent.ofItem("response.output_item.added", sequence++, output.size(),
                    new Item.Message(textId, ResponseObject.IN_PROGRESS, "assistant", List.of())));
            events.add(ResponseStreamEvent.ofPart("response.content_part.added", sequence++, textId, output.size(),
                    Item.Part.output("")));
        }

        private void closeText(String status, List<ResponseStreamEvent> events) {
            if (textId == null) {
                return;
            }
            String whole = text.toString();
            int index = output.size();
            events.add(ResponseStreamEvent.textDone(sequence++, textId, index, whole));
            events.add(ResponseStreamEvent.ofPart("response.content_part.done", sequence++, textId, index,
                    Item.Part.output(whole)));
            Item.Message message = new Item.Message(textId, status, "assistant", List.of(Item.Part.output(whole)));
            events.add(ResponseStreamEvent.ofItem("response.output_item.done", sequence++, index, message));
            output.add(message);
            textId = null;
            text = null;
        }

        private void call(CompletionEvent.ToolCallDelta fragment, List<ResponseStreamEvent> events) {
            if (call != null && fragment.index() != callIndex) {
                closeCall(events);
            }
            closeText(ResponseObject.COMPLETED, events);
            if (call == null) {
                callIndex = fragment.index();
                call = new Item.FunctionCall(ResponseIds.next("fc"),
                        fragment.id() == null ? ResponseIds.next("call") : fragment.id(),
                        fragment.name() == null ? "" : fragment.name(), "", ResponseObject.IN_PROGRESS);
                arguments = new StringBuilder();
                events.add(ResponseStreamEvent.ofItem("response.output_item.added", sequence++, output.size(), call));
            }
            streamedCalls = true;
            if (fragment.arguments() != null && !fragment.arguments().isEmpty()) {
                arguments.append(fragment.arguments());
                events.add(ResponseStreamEvent.argumentsDelta(sequence++, call.id(), output.size(),
                        fragment.arguments()));
            }
        }

        private void closeCall(List<ResponseStreamEvent> events) {
            if (call == null) {
                return;
            }
            int index = output.size();
            Item.FunctionCall done = new Item.FunctionCall(call.id(), call.callId(), call.name(), arguments.toString(),
                    ResponseObject.COMPLETED);
            events.add(ResponseStreamEvent.argumentsDone(sequence++, done.id(), index, done.name(),
                    done.arguments()));
            events.add(ResponseStreamEvent.ofItem("response.output_item.done", sequence++, index, done));
            output.add(done);
            call = null;
            callIndex = null;
            arguments = null;
        }

        private void complete(MixResult result, List<ResponseStreamEvent> events) {
            Completion answer = result.answer();
            String status = status(answer);
            closeText(status, events);
            closeCall(events);
            // An answer that went out whole (ranked, sequential, early-stopped, JSON) arrives with the result only.
            if (!streamedText && !answer.content().isEmpty()) {
                text(answer.content(), events);
                closeText(status, events);
            }
            if (!streamedCalls) {
                for (int i = 0; i < answer.toolCalls().size(); i++) {
                    ToolCall whole = answer.toolCalls().get(i);
                    call(new CompletionEvent.ToolCallDelta(i, whole.id(), whole.name(), whole.arguments()), events);
                    closeCall(events);
                }
            }
            if (output.isEmpty()) {
                // An empty answer is still one (empty) message, as the whole response has it.
                openText(events);
                closeText(status, events);
            }
            ResponseObject response = ResponseObject.of(id, createdAt, request, status, output,
                    ResponseUsage.of(result.usage()), null, trace == null ? null : trace.apply(result));
            finished.accept(response);
            events.add(ResponseStreamEvent.ofResponse(ResponseObject.INCOMPLETE.equals(status) ? "response.incomplete"
                    : "response.completed", sequence++, response));
        }

        private ResponseStreamEvent failedEvent(String message, Object failureTrace) {
            List<Item> partial = new ArrayList<>(output);
            if (textId != null) {
                partial.add(new Item.Message(textId, ResponseObject.INCOMPLETE, "assistant",
                        List.of(Item.Part.output(text.toString()))));
            }
            if (call != null) {
                partial.add(new Item.FunctionCall(call.id(), call.callId(), call.name(), arguments.toString(),
                        ResponseObject.INCOMPLETE));
            }
            ResponseObject response = ResponseObject.of(id, createdAt, request, ResponseObject.FAILED, partial, null,
                    new ResponseObject.Failure("server_error", message), failureTrace);
            return ResponseStreamEvent.ofResponse("response.failed", sequence++, response);
        }

        private String frame(ResponseStreamEvent event) {
            try {
                return "event: " + event.type() + "\ndata: " + json.writeValueAsString(event) + "\n\n";
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
