package dev.moa.engine;

import dev.moa.mix.Hedge;
import dev.moa.mix.Price;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Hedged calls ("The Tail at Scale"): when a call has not answered after a wait, another copy is sent, and the
 * first answer wins; the other copies are cancelled at once (their connections closed) and never retried.
 *
 * <p>A hedge is only ever sent while every copy is still running: once one has failed the call keeps the ordinary
 * rules (retries, fallbacks), and none is sent after {@code notAfterNanos} (the layer's end). A cut (straggler
 * grace, deadline) cancels the race with its timers, so no hedge starts after it either. A streamed call races to
 * its first event: after that the winner is the answer and nothing switches.
 *
 * <p>Each copy is logged as an {@link Attempt} with its {@link HedgeCopy}; a cancelled copy's input is estimated
 * and, when its model has a price, added to the winner's cost (an estimate: the provider never reports it).
 */
public final class Hedging {

    /** Waits before a hedge; injected so that a test decides when a wait is over. */
    @FunctionalInterface
    public interface Delays {
        Uni<Void> after(Duration wait);

        /** Mutiny's timers. */
        Delays TIMERS = wait -> Uni.createFrom().voidItem().onItem().delayIt().by(wait);
    }

    /**
     * One copy of a call.
     *
     * @param send                  the request itself (redacted, priced, its timeout armed)
     * @param estimatedPromptTokens what its input would be billed if it is cancelled
     * @param price                 its model's price, if the provider document has one
     */
    record Copy<T>(String provider, String model, Supplier<Multi<T>> send, long estimatedPromptTokens,
                   Optional<Price> price) {
    }

    private final LatencyWindow latencies;
    private final Delays delays;

    public Hedging(LatencyWindow latencies, Delays delays) {
        this.latencies = latencies;
        this.delays = delays;
    }

    public Hedging(LatencyWindow latencies) {
        this(latencies, Delays.TIMERS);
    }

    LatencyWindow latencies() {
        return latencies;
    }

    /**
     * The whole answer of {@code first}, raced against copies of {@code copy}; empty when the call does not hedge
     * now (a percentile without enough samples yet, or no time left for a hedge), so the caller makes it as any
     * other call.
     */
    Optional<Uni<Completion>> answer(Hedge hedge, Copy<Completion> first, Copy<Completion> copy, long notAfterNanos,
                                     Consumer<Attempt> log) {
        return waitFor(hedge, first, LatencyWindow.Measure.ANSWER, notAfterNanos).map(wait -> new Race<>(first, copy,
                hedge.max(), wait, notAfterNanos, log, LatencyWindow.Measure.ANSWER,
                (Completion c, BigDecimal cost) -> c.withUsage(c.usage().plus(costOnly(cost)))).events().toUni());
    }

    /** A streamed call raced to its first event; after that, the winner's events only. Empty as for {@link #answer}. */
    Optional<Multi<CompletionEvent>> stream(Hedge hedge, Copy<CompletionEvent> first, Copy<CompletionEvent> copy,
                                            long notAfterNanos, Consumer<Attempt> log) {
        return waitFor(hedge, first, LatencyWindow.Measure.FIRST_TOKEN, notAfterNanos).map(wait -> new Race<>(first,
                copy, hedge.max(), wait, notAfterNanos, log, LatencyWindow.Measure.FIRST_TOKEN,
                (CompletionEvent event, BigDecimal cost) -> event instanceof CompletionEvent.Finished f
                        ? new CompletionEvent.Finished(f.finishReason(), f.usage().plus(costOnly(cost)),
                                f.stopSequence())
                        : event).events());
    }

    /** The wait before the first hedge: fixed, or the model's recent percentile (at least {@code min_ms}). */
    private Optional<Duration> waitFor(Hedge hedge, Copy<?> first, LatencyWindow.Measure measure, long notAfterNanos) {
        Optional<Duration> wait;
        if (hedge.after() instanceof Hedge.After.Fixed fixed) {
            wait = Optional.of(fixed.duration());
        } else {
            int percentile = ((Hedge.After.Percentile) hedge.after()).percentile();
            wait = latencies.percentile(first.provider(), first.model(), measure, percentile)
                    .map(p -> p.compareTo(hedge.min()) < 0 ? hedge.min() : p);
        }
        // A wait that ends after the layer's end could never send its hedge: the call goes unhedged.
        return wait.filter(w -> !w.isZero() && System.nanoTime() + w.toNanos() < notAfterNanos);
    }

    /** A request's input as characters / 4 (as the reference budget counts), tool calls' arguments included. */
    static long estimatedPromptTokens(CompletionCall call) {
        long tokens = 0;
        for (Message message : call.messages()) {
            tokens += ReferenceCap.estimateTokens(message.content() == null ? "" : message.content());
            for (ToolCall toolCall : message.toolCalls()) {
                tokens += ReferenceCap.estimateTokens(toolCall.arguments() == null ? "" : toolCall.arguments());
            }
        }
        return tokens;
    }

    private static Usage costOnly(BigDecimal cost) {
        return cost == null ? Usage.ZERO : new Usage(0, 0, 0, null, cost, null);
    }

    /** One hedged call: its copies, the timers that send them, and which one won. */
    private final class Race<T> {
        private final List<Copy<T>> copies;
        private final Duration wait;
        private final long notAfterNanos;
        private final Consumer<Attempt> log;
        private final LatencyWindow.Measure measure;
        private final boolean whole;
        private final BiFunction<T, BigDecimal, T> withCancelledCost;

        private final boolean[] started;
        private final boolean[] settled;
        private final long[] startNanos;
        private final Cancellable[] running;
        private final List<Cancellable> timers = new ArrayList<>();
        private MultiEmitter<? super T> emitter;
        private long beginNanos;
        private int winner = -1;
        private boolean over;
        private boolean hedged;
        private boolean failedOnce;
        private boolean winnerLogged;
        private Throwable firstFailure;
        private BigDecimal cancelledCost;

        Race(Copy<T> first, Copy<T> copy, int hedges, Duration wait, long notAfterNanos, Consumer<Attempt> log,
             LatencyWindow.Measure measure, BiFunction<T, BigDecimal, T> withCancelledCost) {
            List<Copy<T>> all = new ArrayList<>(Collections.nCopies(hedges + 1, copy));
            all.set(0, first);
            this.copies = List.copyOf(all);
            this.wait = wait;
            this.notAfterNanos = notAfterNanos;
            this.log = log;
            this.measure = measure;
            this.whole = measure == LatencyWindow.Measure.ANSWER;
            this.withCancelledCost = withCancelledCost;
            this.started = new boolean[copies.size()];
            this.settled = new boolean[copies.size()];
            this.startNanos = new long[copies.size()];
            this.running = new Cancellable[copies.size()];
        }

        Multi<T> events() {
            return Multi.createFrom().emitter(e -> {
                synchronized (this) {
                    emitter = e;
                }
                e.onTermination(this::cancelAll);
                start(0);
                for (int k = 1; k < copies.size(); k++) {
                    int index = k;
                    Cancellable timer = delays.after(wait.multipliedBy(k)).subscribe().with(ignored -> hedge(index));
                    synchronized (this) {
                        if (over || winner >= 0 || failedOnce) {
                            timer.cancel();
                            return;
                        }
                        timers.add(timer);
                    }
                }
            });
        }

        private void hedge(int index) {
            start(index);
        }

        /** Sends copy {@code index}; a hedge only while no copy has won or failed, and before the layer's end. */
        private void start(int index) {
            synchronized (this) {
                if (over || winner >= 0
                        || (index > 0 && (failedOnce || System.nanoTime() >= notAfterNanos))) {
                    return;
                }
                hedged |= index > 0;
                started[index] = true;
                startNanos[index] = System.nanoTime();
                if (index == 0) {
                    beginNanos = startNanos[0]; // the copies' times count from the first request
                }
            }
            Multi<T> call;
            try {
                call = copies.get(index).send().get();
            } catch (RuntimeException e) {
                call = Multi.createFrom().failure(e);
            }
            Cancellable subscription = call.subscribe().with(item -> onItem(index, item),
                    failure -> onFailure(index, failure), () -> onComplete(index));
            boolean cancel;
            synchronized (this) {
                running[index] = subscription;
                cancel = winner != index && (over || winner >= 0);
            }
            if (cancel) {
                subscription.cancel();
            }
        }

        private void onItem(int index, T item) {
            List<Integer> losers = new ArrayList<>();
            List<Cancellable> cancel = new ArrayList<>();
            boolean won = false;
            synchronized (this) {
                if (winner == -1) {
                    if (over) {
                        return;
                    }
                    winner = index;
                    won = true;
                    cancel.addAll(timers);
                    for (int j = 0; j < copies.size(); j++) {
                        if (j != index && started[j] && !settled[j]) {
                            settled[j] = true;
                            losers.add(j);
                            if (running[j] != null) {
                                cancel.add(running[j]);
                            }
                            cancelledCost = plus(cancelledCost, copies.get(j));
                        }
                    }
                } else if (winner != index) {
                    return;
                }
                if (whole) {
                    over = true;
                }
            }
            if (won) {
                cancel.forEach(Cancellable::cancel);
                for (int j : losers) {
                    // Its real latency was at least this long: kept, so the window still sees the slow calls.
                    Copy<T> loser = copies.get(j);
                    latencies.record(loser.provider(), loser.model(), measure, since(j));
                    log.accept(attempt(j, Optional.empty(), false, true));
                }
                Copy<T> first = copies.get(index);
                latencies.record(first.provider(), first.model(), measure, since(index));
            }
            // The winner's attempt is in the log before its last event goes on: the trace is built from that event.
            if (whole || item instanceof CompletionEvent.Finished) {
                logWinner(index, Optional.empty());
            }
            emitter.emit(withCancelledCost.apply(item, cancelledCost));
            if (whole) {
                emitter.complete();
            }
        }

        private void onFailure(int index, Throwable failure) {
            Throwable fail = null;
            List<Cancellable> cancel = new ArrayList<>();
            Attempt attempt;
            synchronized (this) {
                if (over || settled[index] || (winner >= 0 && winner != index)) {
                    return;
                }
                settled[index] = true;
                attempt = attempt(index, Optional.of(MixEngine.asUpstreamFailure(failure)), winner == index, false);
                if (winner == index) {
                    over = true; // a streamed winner failing after its first event: no switching
                    fail = failure;
                } else {
                    // No hedge is sent for a call that has failed: retries and fallbacks take it from here.
                    failedOnce = true;
                    cancel.addAll(timers);
                    if (firstFailure == null) {
                        firstFailure = failure;
                    }
                    boolean anyRunning = false;
                    for (int j = 0; j < copies.size(); j++) {
                        anyRunning |= started[j] && !settled[j];
                    }
                    if (!anyRunning) {
                        over = true;
                        fail = firstFailure;
                    }
                }
            }
            cancel.forEach(Cancellable::cancel);
            if (index == winnerIndex()) {
                logWinner(index, attempt.failure());
            } else {
                log.accept(attempt);
            }
            if (fail != null) {
                emitter.fail(fail);
            }
        }

        private void onComplete(int index) {
            boolean empty;
            synchronized (this) {
                if (over || settled[index] || (winner >= 0 && winner != index)) {
                    return;
                }
                empty = winner == -1;
                if (!empty) {
                    over = true;
                }
            }
            if (empty) {
                // Ended without an event: as good as a failure.
                onFailure(index, UpstreamFailure.badResponse("the upstream ended its answer without any content"));
                return;
            }
            logWinner(index, Optional.empty());
            emitter.complete();
        }

        private synchronized int winnerIndex() {
            return winner;
        }

        private void logWinner(int index, Optional<UpstreamFailure> failure) {
            synchronized (this) {
                if (winnerLogged) {
                    return;
                }
                winnerLogged = true;
            }
            log.accept(attempt(index, failure, true, false));
        }

        /** The race's own end (answer given) or its cancellation from outside (cut, deadline, client gone). */
        private void cancelAll() {
            List<Cancellable> cancel = new ArrayList<>();
            synchronized (this) {
                if (over) {
                    return;
                }
                over = true;
                cancel.addAll(timers);
                for (Cancellable c : running) {
                    if (c != null) {
                        cancel.add(c);
                    }
                }
            }
            cancel.forEach(Cancellable::cancel);
        }

        /** Must hold the lock or be past the race's end. */
        private Attempt attempt(int index, Optional<UpstreamFailure> failure, boolean won, boolean cancelled) {
            Copy<T> copy = copies.get(index);
            Optional<HedgeCopy> mark = hedged
                    ? Optional.of(new HedgeCopy(index, Duration.ofNanos(startNanos[index] - beginNanos), won && hedged,
                    cancelled, cancelled ? copy.estimatedPromptTokens() : 0))
                    : Optional.empty();
            return new Attempt(copy.provider(), copy.model(), since(index), failure, mark);
        }

        private Duration since(int index) {
            return Duration.ofNanos(System.nanoTime() - startNanos[index]);
        }

        private static BigDecimal plus(BigDecimal total, Copy<?> cancelled) {
            if (cancelled.price().isEmpty()) {
                return total;
            }
            BigDecimal cost = cancelled.price().get().cost(cancelled.estimatedPromptTokens(), 0, 0, 0);
            return total == null ? cost : total.add(cost);
        }
    }
}
