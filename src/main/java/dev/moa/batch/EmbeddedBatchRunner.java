package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;

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
 * Runs batches in this process (dev mode, the server build, tests): per batch, at most {@code concurrency} lines at
 * once. Every finished line is stored before it counts, so after a restart {@link #resume()} carries on with the
 * lines that have no outcome yet, and no line appears twice.
 */
public final class EmbeddedBatchRunner implements BatchRunner, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedBatchRunner.class);

    private final BatchSteps steps;
    private final int concurrency;
    private final ExecutorService drivers = Executors.newCachedThreadPool(daemon());
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    /** Set when the process stops: lines still in flight are not stored, so they run again after the restart. */
    private volatile boolean closed;

    public EmbeddedBatchRunner(BatchSteps steps, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("moa.batch.concurrency must be at least 1, found " + concurrency);
        }
        this.steps = steps;
        this.concurrency = concurrency;
    }

    /** Picks up every batch a previous process left unfinished. */
    public void resume() {
        for (BatchObject batch : steps.records().all()) {
            if (!batch.finished()) {
                LOG.infof("resuming batch %s (%s)", batch.id(), batch.status());
                start(batch);
            }
        }
    }

    @Override
    public void start(BatchObject batch) {
        Run run = new Run(batch.id());
        if (running.putIfAbsent(batch.id(), run) == null) {
            drivers.submit(() -> drive(run));
        }
    }

    @Override
    public void cancel(BatchObject batch) {
        Run run = running.get(batch.id());
        if (run != null) {
            run.cancelled = true;
        } else {
            start(batch);
        }
    }

    private void drive(Run run) {
        String id = run.batchId;
        try {
            BatchObject batch = steps.records().find(id).orElseThrow();
            batch = steps.open(batch);
            if (BatchObject.IN_PROGRESS.equals(batch.status())) {
                runLines(run, batch);
            }
            if (!batch.finished() && !closed) {
                steps.finish(id);
            }
        } catch (RuntimeException e) {
            // The batch stays as it is and resumes with the next start; the message names no secret.
            if (closed) {
                LOG.infof("batch %s paused while the process stops; it resumes at the next start", id);
            } else {
                LOG.errorf("batch %s stopped: %s", id, e.toString());
            }
        } finally {
            running.remove(id);
        }
    }

    private void runLines(Run run, BatchObject batch) {
        List<JsonNode> lines = steps.lines(batch);
        // Counted from the stored lines, not the batch object: a crash may fall between a line and its count.
        Set<Integer> finished = new HashSet<>();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        for (String key : steps.records().lineKeys(batch.id())) {
            steps.records().line(key).ifPresent(outcome -> {
                finished.add(outcome.index());
                (outcome.failed() ? failed : completed).incrementAndGet();
            });
        }
        Semaphore slots = new Semaphore(concurrency);
        try {
            for (int index = 0; index < lines.size(); index++) {
                if (finished.contains(index)) {
                    continue;
                }
                slots.acquire();
                if (run.cancelled || closed) {
                    slots.release();
                    break;
                }
                steps.runLine(batch, index, lines.get(index), () -> !closed).subscribe().with(outcome -> {
                    if (closed) {
                        slots.release();
                        return;
                    }
                    (outcome.failed() ? failed : completed).incrementAndGet();
                    steps.records().update(batch.id(), current -> BatchObject.IN_PROGRESS.equals(current.status())
                            || BatchObject.CANCELLING.equals(current.status())
                            ? current.counted(completed.get(), failed.get()) : null);
                    slots.release();
                }, failure -> {
                    LOG.errorf("batch %s: a line could not be stored: %s", batch.id(), failure.toString());
                    slots.release();
                });
            }
            // Every line in flight ends (stored) before the batch is assembled.
            slots.acquire(concurrency);
            slots.release(concurrency);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        drivers.shutdownNow();
    }

    private static final class Run {
        final String batchId;
        volatile boolean cancelled;

        Run(String batchId) {
            this.batchId = batchId;
        }
    }

    private static ThreadFactory daemon() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "moa-batch-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
