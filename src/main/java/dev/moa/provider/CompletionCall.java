package dev.moa.provider;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;

import java.util.List;
import java.util.Map;

/**
 * What one agent asks of one model: the conversation, sampling, and the per-call options (tools, format...).
 *
 * @param headers extra request headers of this call alone: its trace context ({@code traceparent}); never a secret
 */
public record CompletionCall(String model, List<Message> messages, Sampling sampling, CallOptions options,
                             Map<String, String> headers) {

    public CompletionCall {
        messages = List.copyOf(messages);
        options = options == null ? CallOptions.NONE : options;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public CompletionCall(String model, List<Message> messages, Sampling sampling, CallOptions options) {
        this(model, messages, sampling, options, Map.of());
    }

    public CompletionCall withHeaders(Map<String, String> extra) {
        return extra.isEmpty() ? this : new CompletionCall(model, messages, sampling, options, extra);
    }

    public CompletionCall(String model, List<Message> messages, Sampling sampling) {
        this(model, messages, sampling, CallOptions.NONE);
    }
}
