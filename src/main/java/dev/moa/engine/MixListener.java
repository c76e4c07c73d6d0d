package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a mix run tells its observers as it goes: progress events for a streaming client, spans for a tracer. The
 * engine calls it on its own threads, synchronously, so an implementation is quick and never blocks; what it
 * throws is ignored ({@link #of} makes sure), so an observer can never break a run.
 *
 * <p>Layers and calls are numbered from 0: {@code index} is the call's place in its layer, in the order of the mix
 * document (an agent with {@code samples} has one call per sample). The aggregator's JSON retry is one more call of
 * the last layer, after its others.
 */
public interface MixListener {

    MixListener NONE = new MixListener() {
    };

    /** Makes a run's listener; the engine asks once per run, when the run starts. */
    @FunctionalInterface
    interface Factory {
        Factory NONE = run -> MixListener.NONE;

        MixListener forRun(MixRun run);
    }

    default void mixStarted(MixRun run) {
    }

    default void layerStarted(int layer, int calls) {
    }

    default void callStarted(int layer, int index, Agent agent) {
    }

    /**
     * One try at one upstream; its {@link AttemptListener#headers()} go on the upstream request.
     *
     * @param candidate the agent, or the fallback being tried
     * @param retry     0 for a candidate's first try, then 1, 2... for its retries
     * @param hedge     0 for a try's own request, then 1, 2... for the hedged copies raced against it (the
     *                  first answer wins, the others are cancelled)
     */
    default AttemptListener attemptStarted(int layer, int index, Agent candidate, boolean fallback, int retry,
                                           int hedge, CompletionCall request) {
        return AttemptListener.NONE;
    }

    /** A call is over: answered, failed, or cut when its layer went on without it. */
    default void callDone(int layer, int index, AgentOutcome outcome) {
    }

    /** A layer is over: every call's outcome, and what its reference budget did. */
    default void layerDone(int layer, LayerTrace trace) {
    }

    /** The run's answer is complete ({@code partial} when a streamed answer was interrupted). */
    default void mixDone(MixResult result, boolean partial) {
    }

    /** The run failed (a layer without enough answers) or was cancelled (the client went away). */
    default void mixFailed(Throwable failure) {
    }

    /** What one attempt is told of its end. */
    interface AttemptListener {
        AttemptListener NONE = new AttemptListener() {
        };

        /** Headers the attempt's upstream request carries (trace context). Never secrets. */
        default Map<String, String> headers() {
            return Map.of();
        }

        default void answered(Completion completion) {
        }

        default void failed(UpstreamFailure failure) {
        }

        /** The attempt was abandoned unfinished: its call was cut, or the client went away. */
        default void cancelled() {
        }
    }

    /** Every listener of the list, in order; one that throws is skipped, not the run. */
    static MixListener of(List<MixListener> listeners) {
        List<MixListener> all = new ArrayList<>(listeners.size());
        for (MixListener listener : listeners) {
            if (listener != NONE) {
                all.add(listener);
            }
        }
        if (all.isEmpty()) {
            return NONE;
        }
        return new Listeners(List.copyOf(all));
    }

    static MixListener of(MixListener first, MixListener second) {
        return of(List.of(first, second));
    }

    /** The attempt's listeners, in order, their headers merged. */
    static AttemptListener attempts(List<AttemptListener> listeners) {
        List<AttemptListener> all = new ArrayList<>(listeners.size());
        for (AttemptListener listener : listeners) {
            if (listener != AttemptListener.NONE) {
                all.add(listener);
            }
        }
        if (all.isEmpty()) {
            return AttemptListener.NONE;
        }
        return new Listeners.Attempts(List.copyOf(all));
    }
}
