package dev.moa.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.smallrye.mutiny.Uni;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * On Lambda without {@link SpanExportExtension} (the Extensions API refused it), a response waits until the spans
 * ended so far are exported: the instance may be frozen as soon as the invocation returns, and a frozen instance
 * exports nothing. The server span itself ends after the response, so it goes out with the next invocation's flush.
 * Anywhere else (or without an endpoint), and with the extension, this does nothing.
 */
@Singleton
public class LambdaSpanFlush {

    /**
     * How long a response (or, with the extension, the instance) may wait for the collector unless
     * {@code quarkus.otel.bsp.export.timeout} says otherwise: a slow collector must not hold answers back for long.
     */
    static final Duration MOST = Duration.ofSeconds(2);

    private final SpanFlush flush;
    private final SpanExportExtension extension;

    public LambdaSpanFlush(SpanFlush flush, SpanExportExtension extension) {
        this.flush = flush;
        this.extension = extension;
    }

    @ServerResponseFilter
    public Uni<Void> flushBeforeAnswering() {
        if (!flush.needed() || extension.active()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void>emitter(e -> {
                    CompletableResultCode done = flush.flush();
                    done.whenComplete(() -> e.complete(null));
                })
                .ifNoItem().after(extension.exportWait()).recoverWithItem((Void) null);
    }
}
