package dev.moa.provider;

import dev.moa.mix.Sampling;

import java.util.List;

/** What one agent asks of one model. */
public record CompletionCall(String model, List<Message> messages, Sampling sampling) {

    public CompletionCall {
        messages = List.copyOf(messages);
    }
}
