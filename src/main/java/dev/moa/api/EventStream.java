package dev.moa.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.MixResult;
import dev.moa.provider.ChatClient;
import dev.moa.provider.CompletionEvent;

import java.io.UncheckedIOException;
import java.util.List;

/**
 * A finished answer as an OpenAI {@code text/event-stream}. The whole stream is written at once: on Lambda
 * behind API Gateway the body is buffered anyway, and OpenAI clients read it the same way.
 */
final class EventStream {

    private EventStream() {
    }

    static String of(ObjectMapper json, String id, long created, String model, MixResult result, boolean includeUsage,
                     Trace trace) {
        StringBuilder out = new StringBuilder();
        String chunk = "chat.completion.chunk";
        append(out, json, new ChatCompletionChunk(id, chunk, created, model, List.of(
                new ChatCompletionChunk.ChunkChoice(0, new ChatCompletionChunk.Delta("assistant", ""), null, null)),
                null, null));
        for (CompletionEvent event : ChatClient.wholeAnswer(result.answer())) {
            ChatCompletionChunk.Delta delta;
            if (event instanceof CompletionEvent.Delta text) {
                delta = new ChatCompletionChunk.Delta(null, text.content());
            } else if (event instanceof CompletionEvent.ToolCallDelta call) {
                delta = new ChatCompletionChunk.Delta(null, null, List.of(ChatCompletionChunk.ToolCallDelta.of(call)));
            } else {
                continue;
            }
            append(out, json, new ChatCompletionChunk(id, chunk, created, model, List.of(
                    new ChatCompletionChunk.ChunkChoice(0, delta, null, null)), null, null));
        }
        append(out, json, new ChatCompletionChunk(id, chunk, created, model, List.of(
                new ChatCompletionChunk.ChunkChoice(0, new ChatCompletionChunk.Delta(null, null), null,
                        result.answer().finishReason())), null, includeUsage ? null : trace));
        if (includeUsage) {
            append(out, json, new ChatCompletionChunk(id, chunk, created, model, List.of(), result.usage(), trace));
        }
        out.append("data: [DONE]\n\n");
        return out.toString();
    }

    private static void append(StringBuilder out, ObjectMapper json, ChatCompletionChunk chunk) {
        try {
            out.append("data: ").append(json.writeValueAsString(chunk)).append("\n\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
