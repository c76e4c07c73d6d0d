package dev.moa.gateway;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;

import java.util.List;
import java.util.Objects;

/**
 * One request for a mix's answer, whatever protocol it came in: what each inbound adapter's codec builds.
 *
 * @param model        the mix (or selector) the client named
 * @param conversation the turns, in the pipeline's roles (system, user, assistant with tool calls, tool results)
 * @param sampling     the client's sampling; it applies to the aggregator where the mix sets none
 * @param options      the client's per-call fields; build the tool fields from typed {@link dev.moa.model.ToolSpec}s
 *                     with {@link ToolOptions}
 * @param trace        {@code "moa": {"trace": true}}: the adapter adds the trace to its answer
 * @param dryRun       {@code "moa": {"dry_run": true}}: ask {@link MixGateway#plan} rather than run
 */
public record MixRequest(String model, List<Message> conversation, Sampling sampling, CallOptions options,
                         boolean trace, boolean dryRun) {

    public MixRequest {
        Objects.requireNonNull(model);
        conversation = List.copyOf(conversation);
        sampling = sampling == null ? Sampling.NONE : sampling;
        options = options == null ? CallOptions.NONE : options;
    }
}
