package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs eval runs in this process, as the embedded batch runner runs batches: at most {@code concurrency} items at
 * once over all the runs going at the same time (the batch concurrency, the guard for the providers' rate limits:
 * one bound for the instance, so two runs started together do not make twice the calls). The runs take the slots
 * in turn (a fair semaphore), so a long run does not hold back one started after it. Every evaluated item is stored
 * before it counts, so after a restart {@link #resume()} carries on with the items that have no output yet and no
 * item is counted twice. A run still going after {@code timeout} ends {@code failed}, keeping what it evaluated.
 */
public final class EmbeddedEvalRunner implements EvalRunner, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedEvalRunner.class);

    private final EvalRecords records;
    private final ItemEvaluator evaluator;
    /** The items in flight over every run: one bound for the instance. */
    private final Semaphore slots;
    private final Duration timeout;
    private final Clock clock;
    private final ExecutorService drivers = Executors.newCachedThreadPool(daemon());
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public EmbeddedEvalRunner(EvalRecords records, ItemEvaluator evaluator, int concurrency, Duration timeout, Clock clock) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("moa.batch.concurrency must be at least 1, found " + concurrency);
        }
        this.records = records;
        this.evaluator = evaluator;
        this.slots = new Semaphore(concurrency, true);
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Picks up every run a previous process left unfinished. */
    public void resume() {
        for (EvalRun run : records.allRuns()) {
            if (!run.finished()) {
                LOG.infof("resuming eval run %s (%s)", run.id(), run.status());
                start(run);
            }
        }
    }

    @Override
    public void start(EvalRun run) {
        Run driving = new Run(run.evalId(), run.id());
        if (running.putIfAbsent(run.id(), driving) == null) {
            drivers.submit(() -> drive(driving));
        }
    }

    @Override
    public void stop(EvalRun stopped) {
        Run run = running.get(stopped.id());
        if (run != null) {
            run.stopped = true;
        }
    }

    private void drive(Run driving) {
        try {
            EvalRun run = records.update(driving.evalId, driving.runId, r -> EvalRun.QUEUED.equals(r.status())
                    ? r.withStatus(EvalRun.IN_PROGRESS, null) : null).orElse(null);
            EvalObject eval = run == null ? null : records.eval(run.evalId()).orElse(null);
            if (run == null || eval == null || run.finished()) {
                return;
            }
            ItemEvaluator.RunContext context = ItemEvaluator.RunContext.of(eval, run);
            List<Grader> graders = context.graders();
            List<JsonNode> items = records.items(run.id());
            RunTally tally = new RunTally(graders);
            Set<Integer> done = new HashSet<>();
            for (JsonNode output : records.outputs(run.id())) {
                done.add(output.path("datasource_item_id").asInt());
                tally.add(output);
            }
            long deadline = run.createdAt() + timeout.toSeconds();
            boolean expired = false;
            // This run's items that started, and those that ended (stored or not): the run ends after all of them.
            int started = 0;
            Semaphore ended = new Semaphore(0);
            for (int index = 0; index < items.size(); index++) {
                if (done.contains(index)) {
                    continue;
                }
                slots.acquire();
                if (driving.stopped || closed) {
                    slots.release();
                    break;
                }
                if (clock.instant().getEpochSecond() > deadline) {
                    slots.release();
                    expired = true;
                    break;
                }
                int at = index;
                Runnable end = () -> {
                    slots.release();
                    ended.release();
                };
                Uni<ObjectNode> evaluated;
                try {
                    evaluated = evaluator.evaluate(context, index, items.get(index));
                } catch (RuntimeException e) {
                    // The slot is the instance's: it must not leak with this run.
                    end.run();
                    throw e;
                }
                evaluated.subscribe().with(output -> {
                    try {
                        if (!closed) {
                            store(driving, at, output, tally, items.size());
                        }
                    } finally {
                        end.run();
                    }
                }, failure -> {
                    LOG.errorf("eval run %s: item %d could not be evaluated: %s", driving.runId, at, failure.toString());
                    end.run();
                });
                started++;
            }
            // Every item in flight ends (stored) before the run does.
            ended.acquire(started);
            if (closed || driving.stopped) {
                return;
            }
            boolean timedOut = expired;
            records.update(driving.evalId, driving.runId, r -> !EvalRun.IN_PROGRESS.equals(r.status()) ? null
                    : timedOut ? r.withStatus(EvalRun.FAILED, EvalSteps.expired(timeout))
                    : r.withStatus(EvalRun.COMPLETED, null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (closed) {
                LOG.infof("eval run %s paused while the process stops; it resumes at the next start", driving.runId);
            } else {
                LOG.errorf("eval run %s stopped: %s", driving.runId, e.toString());
            }
        } finally {
            running.remove(driving.runId);
        }
    }

    /** Stores an output unless the run was deleted meanwhile, then counts it in the run object. */
    private void store(Run driving, int index, ObjectNode output, RunTally tally, int total) {
        if (records.run(driving.evalId, driving.runId).isEmpty()) {
            driving.stopped = true;
            return;
        }
        records.saveOutput(driving.runId, index, output);
        tally.add(output);
        records.update(driving.evalId, driving.runId, r -> r.withResults(tally.counts(total), tally.usage(),
                tally.criteria()));
    }

    @Override
    public void close() {
        closed = true;
        drivers.shutdownNow();
    }

    private static final class Run {
        final String evalId;
        final String runId;
        volatile boolean stopped;

        Run(String evalId, String runId) {
            this.evalId = evalId;
            this.runId = runId;
        }
    }

    private static ThreadFactory daemon() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "moa-eval-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
