package dev.moa.telemetry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.provider.Completion;
import dev.moa.provider.Message;
import dev.moa.provider.Redactor;
import dev.moa.provider.ToolCall;

import java.util.List;

/**
 * Prompts and answers as the GenAI semantic conventions record them ({@code gen_ai.input.messages},
 * {@code gen_ai.output.messages}: role, then parts of type text or tool_call), each text redacted of the request's
 * keys. Only used when content capture is on.
 */
final class GenAiMessages {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private GenAiMessages() {
    }

    static String input(List<Message> messages, Redactor redactor) {
        ArrayNode all = JSON.arrayNode();
        for (Message message : messages) {
            ObjectNode node = all.addObject().put("role", message.role());
            ArrayNode parts = node.putArray("parts");
            if (message.content() != null && !message.content().isEmpty()) {
                parts.addObject().put("type", message.isToolResult() ? "tool_call_response" : "text")
                        .put(message.isToolResult() ? "response" : "content", redactor.redact(message.content()));
            }
            toolCalls(parts, message.toolCalls(), redactor);
        }
        return all.toString();
    }

    static String output(Completion completion, Redactor redactor) {
        ArrayNode all = JSON.arrayNode();
        ObjectNode node = all.addObject().put("role", "assistant");
        ArrayNode parts = node.putArray("parts");
        if (!completion.content().isEmpty()) {
            parts.addObject().put("type", "text").put("content", redactor.redact(completion.content()));
        }
        toolCalls(parts, completion.toolCalls(), redactor);
        if (completion.finishReason() != null) {
            node.put("finish_reason", completion.finishReason());
        }
        return all.toString();
    }

    private static void toolCalls(ArrayNode parts, List<ToolCall> calls, Redactor redactor) {
        if (calls == null) {
            return;
        }
        for (ToolCall call : calls) {
            parts.addObject().put("type", "tool_call").put("id", call.id()).put("name", call.name())
                    .put("arguments", redactor.redact(call.arguments()));
        }
    }
}
