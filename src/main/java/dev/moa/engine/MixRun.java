package dev.moa.engine;

import dev.moa.mix.CallOptions;
import dev.moa.mix.Mix;
import dev.moa.mix.Sampling;
import dev.moa.provider.Message;
import dev.moa.provider.Redactor;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One request to run through a mix.
 *
 * @param clientSampling the client's own parameters; they apply to the aggregator where the mix sets none
 * @param upstreams      every provider the mix names, by provider name
 * @param budget         how long the whole run may take
 * @param clientOptions  the client's per-call fields (tools, tool_choice, response_format, seed...): they go to
 *                       the aggregator as sent, where the mix sets none; proposers get them as their layer says
 * @param redactor       the request's secrets: every answer and failure is redacted with it as it arrives, before
 *                       it becomes a reference, a trace field, an error or the response
 * @param listener       what this run's caller observes of it (progress events); the engine adds its own
 *                       observers (traces) beside it
 */
public record MixRun(Mix mix, List<Message> conversation, Sampling clientSampling, Map<String, Upstream> upstreams,
                     Duration budget, CallOptions clientOptions, Redactor redactor, MixListener listener) {

    public MixRun {
        conversation = List.copyOf(conversation);
        upstreams = Map.copyOf(upstreams);
        clientOptions = clientOptions == null ? CallOptions.NONE : clientOptions;
        redactor = redactor == null ? Redactor.NONE : redactor;
        listener = listener == null ? MixListener.NONE : listener;
    }

    public MixRun(Mix mix, List<Message> conversation, Sampling clientSampling, Map<String, Upstream> upstreams,
                  Duration budget, CallOptions clientOptions, Redactor redactor) {
        this(mix, conversation, clientSampling, upstreams, budget, clientOptions, redactor, MixListener.NONE);
    }

    /** The same run, observed by {@code listener} instead. */
    public MixRun withListener(MixListener listener) {
        return new MixRun(mix, conversation, clientSampling, upstreams, budget, clientOptions, redactor, listener);
    }

    public MixRun(Mix mix, List<Message> conversation, Sampling clientSampling, Map<String, Upstream> upstreams,
                  Duration budget, CallOptions clientOptions) {
        this(mix, conversation, clientSampling, upstreams, budget, clientOptions, Redactor.NONE);
    }

    public MixRun(Mix mix, List<Message> conversation, Sampling clientSampling, Map<String, Upstream> upstreams,
                  Duration budget) {
        this(mix, conversation, clientSampling, upstreams, budget, CallOptions.NONE, Redactor.NONE);
    }
}
