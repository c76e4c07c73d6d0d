package dev.moa.api;

import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.util.List;

/**
 * A validated chat-completions request.
 *
 * @param dryRun {@code "moa": {"dry_run": true}}: show what the mix would send, call nothing
 */
public record ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream,
                          boolean includeUsage, boolean trace, boolean dryRun) {

    public ChatRequest {
        messages = List.copyOf(messages);
    }

    public ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream, boolean includeUsage,
                       boolean trace) {
        this(model, messages, sampling, stream, includeUsage, trace, false);
    }
}
