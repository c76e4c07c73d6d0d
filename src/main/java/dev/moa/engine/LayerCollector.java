package dev.moa.engine;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Runs a layer's calls concurrently and decides when the layer is over: when every call has finished; when
 * {@code minSuccesses} have answered and the straggler grace has passed; or when the layer's budget runs out.
 * Calls still running then are cancelled (their HTTP requests closed) and recorded as cut.
 */
final class LayerCollector {

    /** One call of the layer; {@code cut} describes it if the layer goes on without it. */
    record PendingCall(Uni<AgentOutcome> call, Function<String, AgentOutcome> cut) {
    }

    /** @param budgetExpired whether the layer ended because its time ran out */
    record LayerEnd(List<AgentOutcome> outcomes, boolean budgetExpired) {
    }

    private final List<PendingCall> calls;
    private final int minSuccesses;
    private final Optional<Duration> grace;
    private final Duration budget;
    /** Told each call's outcome (by its index) as the layer settles it, before the layer's end. */
    private final BiConsumer<Integer, AgentOutcome> settled;

    private final AgentOutcome[] outcomes;
    private final Cancellable[] running;
    private final List<Cancellable> timers = new ArrayList<>(2);
    private UniEmitter<? super LayerEnd> emitter;
    private int finished;
    private int answered;
    private boolean closed;

    LayerCollector(List<PendingCall> calls, int minSuccesses, Optional<Duration> grace, Duration budget) {
        this(calls, minSuccesses, grace, budget, (index, outcome) -> { });
    }

    LayerCollector(List<PendingCall> calls, int minSuccesses, Optional<Duration> grace, Duration budget,
                   BiConsumer<Integer, AgentOutcome> settled) {
        this.settled = settled;
        this.calls = List.copyOf(calls);
        this.minSuccesses = minSuccesses;
        this.grace = grace;
        this.budget = budget;
        this.outcomes = new AgentOutcome[calls.size()];
        this.running = new Cancellable[calls.size()];
    }

    Uni<LayerEnd> collect() {
        return Uni.createFrom().emitter(e -> {
            synchronized (this) {
                emitter = e;
                e.onTermination(this::cancelAll);
                timers.add(timer(budget, () -> close(true, "the layer's time budget ran out after "
                        + budget.toMillis() + " ms")));
            }
            for (int i = 0; i < calls.size(); i++) {
                int index = i;
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                }
                Cancellable subscription = calls.get(i).call().subscribe()
                        .with(outcome -> finish(index, outcome), failure -> { });
                synchronized (this) {
                    running[index] = subscription;
                    if (closed && outcomes[index] instanceof AgentOutcome.Cut) {
                        subscription.cancel();
                    }
                }
            }
        });
    }

    private void finish(int index, AgentOutcome outcome) {
        LayerEnd end = null;
        synchronized (this) {
            if (closed || outcomes[index] != null) {
                return;
            }
            outcomes[index] = outcome;
            // Under the lock, so every call is settled before the layer's end is (no listener sees them reversed).
            settled.accept(index, outcome);
            finished++;
            if (outcome instanceof AgentOutcome.Answered) {
                answered++;
            }
            if (finished == outcomes.length) {
                end = end(false);
            } else if (answered == minSuccesses && grace.isPresent()) {
                Duration wait = grace.get();
                timers.add(timer(wait, () -> close(false, "cut: straggler grace of " + wait.toMillis()
                        + " ms passed after " + minSuccesses + " answers")));
            }
        }
        if (end != null) {
            emitter.complete(end);
        }
    }

    private void close(boolean budgetExpired, String reason) {
        LayerEnd end;
        synchronized (this) {
            if (closed) {
                return;
            }
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null) {
                    outcomes[i] = calls.get(i).cut().apply(reason);
                    settled.accept(i, outcomes[i]);
                    if (running[i] != null) {
                        running[i].cancel();
                    }
                }
            }
            end = end(budgetExpired);
        }
        emitter.complete(end);
    }

    /** Must hold the lock. */
    private LayerEnd end(boolean budgetExpired) {
        closed = true;
        timers.forEach(Cancellable::cancel);
        return new LayerEnd(Arrays.asList(outcomes.clone()), budgetExpired);
    }

    private synchronized void cancelAll() {
        if (!closed) {
            closed = true;
            timers.forEach(Cancellable::cancel);
            for (Cancellable c : running) {
                if (c != null) {
                    c.cancel();
                }
            }
        }
    }

    /** Mutiny refuses a delay of zero: a timer that is already due (a grace of 0 ms) waits a nanosecond. */
    private static Cancellable timer(Duration after, Runnable action) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(after.isNegative() || after.isZero()
                        ? Duration.ofNanos(1) : after)
                .subscribe().with(ignored -> action.run());
    }
}
