package dev.moa.api.chat;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.util.List;

/**
 * A validated chat-completions request; {@code options} are the per-call fields (tools, format, seed...).
 *
 * @param dryRun   {@code "moa": {"dry_run": true}}: show what the mix would send, call nothing
 * @param progress {@code "moa": {"progress": true}} with {@code stream}: an event as each call and layer ends
 */
public record ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream,
                          boolean includeUsage, boolean trace, CallOptions options, boolean dryRun, boolean progress) {

    public ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream, boolean includeUsage,
                       boolean trace, CallOptions options, boolean dryRun) {
        this(model, messages, sampling, stream, includeUsage, trace, options, dryRun, false);
    }

    public ChatRequest {
        messages = List.copyOf(messages);
        options = options == null ? CallOptions.NONE : options;
    }

    public ChatRequest(String model, List<Message> messages, Sampling sampling, boolean stream, boolean includeUsage,
                       boolean trace, CallOptions options) {
        this(model, messages, sampling, stream, includeUsage, trace, options, false, false);
    }
}
