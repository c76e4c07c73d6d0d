package dev.moa.telemetry;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * Knows whether the server span of the request being answered has ended. Quarkus ends it just after the response
 * is written, so {@link SpanExportExtension} waits for it before exporting: otherwise it would stay behind in the
 * batch processor's queue, held by a frozen instance and sent, by the processor's timer, in the middle of a later
 * invocation. Only recorded (sampled) spans pass through a processor: an unsampled request leaves nothing to wait
 * for.
 *
 * <p>Quarkus adds every {@link SpanProcessor} bean to the tracer, in priority order: the lowest priority puts this
 * one after the SDK's batch processor, so a span is queued for export before it counts as ended here.
 */
@Singleton
@Priority(Integer.MIN_VALUE)
public class ServerSpans implements SpanProcessor {

    /** Server spans started and not ended; Lambda serves one invocation at a time per instance. */
    private int open;

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        if (span.getKind() == SpanKind.SERVER) {
            synchronized (this) {
                open++;
            }
        }
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getKind() == SpanKind.SERVER) {
            synchronized (this) {
                open = Math.max(0, open - 1);
                notifyAll();
            }
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    /**
     * Waits until no server span is open, at most {@code most}; then forgets any still open, so that a span that
     * never ends holds up one invocation's export, not every later one.
     *
     * @return whether every server span had ended
     */
    synchronized boolean awaitEnded(Duration most) throws InterruptedException {
        long deadline = System.nanoTime() + most.toNanos();
        long left = most.toNanos();
        while (open > 0 && left > 0) {
            wait(Math.max(1, left / 1_000_000));
            left = deadline - System.nanoTime();
        }
        boolean ended = open == 0;
        open = 0;
        return ended;
    }
}
