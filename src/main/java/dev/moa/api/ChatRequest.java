package dev.moa.api;

import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.util.List;

/** A validated chat-completions request. */
public record ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream,
                          boolean includeUsage, boolean trace) {

    public ChatRequest {
        messages = List.copyOf(messages);
    }
}
