package dev.moa.model;

import java.util.List;

/**
 * A mix's whole answer in neutral terms: what an adapter needs to write its protocol's answer object.
 *
 * @param stopSequence the stop sequence that ended the answer, when the provider said which; else null
 */
public record MixAnswer(String text, List<ToolCall> toolCalls, StopReason stopReason, String stopSequence,
                        TokenUsage usage) {

    public MixAnswer {
        text = text == null ? "" : text;
        toolCalls = List.copyOf(toolCalls);
    }
}
