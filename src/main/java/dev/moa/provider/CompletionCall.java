package dev.moa.provider;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;

import java.util.List;

/** What one agent asks of one model: the conversation, sampling, and the per-call options (tools, format...). */
public record CompletionCall(String model, List<Message> messages, Sampling sampling, CallOptions options) {

    public CompletionCall {
        messages = List.copyOf(messages);
        options = options == null ? CallOptions.NONE : options;
    }

    public CompletionCall(String model, List<Message> messages, Sampling sampling) {
        this(model, messages, sampling, CallOptions.NONE);
    }
}
