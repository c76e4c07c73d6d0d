package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Several listeners as one. Each call reaches every listener; one that throws is skipped (an observer must not
 * break the run it observes).
 */
final class Listeners implements MixListener {

    private final List<MixListener> listeners;

    Listeners(List<MixListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    private void each(Consumer<MixListener> action) {
        for (MixListener listener : listeners) {
            try {
                action.accept(listener);
            } catch (RuntimeException ignored) {
                // An observer's bug costs its own events, never the answer.
            }
        }
    }

    @Override
    public void mixStarted(MixRun run) {
        each(l -> l.mixStarted(run));
    }

    @Override
    public void layerStarted(int layer, int calls) {
        each(l -> l.layerStarted(layer, calls));
    }

    @Override
    public void callStarted(int layer, int index, Agent agent) {
        each(l -> l.callStarted(layer, index, agent));
    }

    @Override
    public AttemptListener attemptStarted(int layer, int index, Agent candidate, boolean fallback, int retry,
                                          int hedge, CompletionCall request) {
        List<AttemptListener> attempts = new ArrayList<>(listeners.size());
        each(l -> attempts.add(l.attemptStarted(layer, index, candidate, fallback, retry, hedge, request)));
        return MixListener.attempts(attempts);
    }

    @Override
    public void callDone(int layer, int index, AgentOutcome outcome) {
        each(l -> l.callDone(layer, index, outcome));
    }

    @Override
    public void layerDone(int layer, LayerTrace trace) {
        each(l -> l.layerDone(layer, trace));
    }

    @Override
    public void mixDone(MixResult result, boolean partial) {
        each(l -> l.mixDone(result, partial));
    }

    @Override
    public void mixFailed(Throwable failure) {
        each(l -> l.mixFailed(failure));
    }

    /** One attempt's listeners. */
    record Attempts(List<AttemptListener> listeners) implements AttemptListener {

        private void each(Consumer<AttemptListener> action) {
            for (AttemptListener listener : listeners) {
                try {
                    action.accept(listener);
                } catch (RuntimeException ignored) {
                    // As above: the attempt goes on.
                }
            }
        }

        @Override
        public Map<String, String> headers() {
            Map<String, String> headers = new HashMap<>();
            each(l -> headers.putAll(l.headers()));
            return headers;
        }

        @Override
        public void answered(Completion completion) {
            each(l -> l.answered(completion));
        }

        @Override
        public void failed(UpstreamFailure failure) {
            each(l -> l.failed(failure));
        }

        @Override
        public void cancelled() {
            each(AttemptListener::cancelled);
        }
    }
}
