package dev.moa.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.smallrye.mutiny.Uni;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * On Lambda, a response waits until the spans ended so far are exported: the instance may be frozen as soon as the
 * invocation returns, and a frozen instance exports nothing. The server span itself ends after the response, so it
 * goes out with the next invocation's flush. Anywhere else (or without an endpoint) this does nothing.
 */
@Singleton
public class LambdaSpanFlush {

    /** How long a response may wait for the collector; a slow collector must not hold answers back for long. */
    static final Duration MOST = Duration.ofSeconds(2);

    private final SpanFlush flush;

    public LambdaSpanFlush(SpanFlush flush) {
        this.flush = flush;
    }

    @ServerResponseFilter
    public Uni<Void> flushBeforeAnswering() {
        if (!flush.needed()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void>emitter(e -> {
                    CompletableResultCode done = flush.flush();
                    done.whenComplete(() -> e.complete(null));
                })
                .ifNoItem().after(MOST).recoverWithItem((Void) null);
    }
}
