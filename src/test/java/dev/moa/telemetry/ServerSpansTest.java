package dev.moa.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the extension waits for after a response: the request's server span to end, and no more. */
class ServerSpansTest {

    private final ServerSpans serverSpans = new ServerSpans();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(serverSpans).build();
    private final Tracer tracer = provider.get("test");

    @AfterEach
    void close() {
        provider.close();
    }

    private Span server() {
        return tracer.spanBuilder("POST /v1/chat/completions").setSpanKind(SpanKind.SERVER).startSpan();
    }

    @Test
    void nothingOpenIsNothingToWaitFor() throws Exception {
        tracer.spanBuilder("moa.mix").startSpan(); // not a server span: never waited for, ended or not
        assertTrue(serverSpans.awaitEnded(Duration.ZERO));
        Span ended = server();
        ended.end();
        assertTrue(serverSpans.awaitEnded(Duration.ZERO));
    }

    @Test
    void theWaitEndsWhenTheServerSpanDoes() throws Exception {
        Span span = server();
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return serverSpans.awaitEnded(Duration.ofMinutes(5));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(waited.isDone());
        span.end();
        assertTrue(waited.get(1, TimeUnit.MINUTES));
    }

    @Test
    void aSpanThatNeverEndsHoldsUpOneExportNotEveryLaterOne() throws Exception {
        server(); // never ended
        assertFalse(serverSpans.awaitEnded(Duration.ZERO), "the bound passed with the span still open");
        assertTrue(serverSpans.awaitEnded(Duration.ZERO), "forgotten: the next invocation does not wait for it");
    }
}
