package dev.moa.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import io.opentelemetry.sdk.common.CompletableResultCode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The extension's thread when Lambda's Extensions API fails: it pauses between requests, then gives up. */
class SpanExportExtensionTest {

    @AutoClose
    final LambdaRuntimeApi lambda = new LambdaRuntimeApi();

    /** Each pause the extension takes, in order; it waits there until the test lets it go on. */
    private final BlockingQueue<Duration> pauses = new LinkedBlockingQueue<>();
    private final Semaphore goOn = new Semaphore(0);

    @Test
    void aFailingExtensionsApiIsAskedAgainOnlyAfterGrowingPausesThenLeftAlone() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ExtensionsApi api = new ExtensionsApi(lambda.address(), json);
        String id = api.register(SpanExportExtension.NAME).id().orElseThrow();
        SpanFlush flush = CompletableResultCode::ofSuccess;
        SpanExportExtension extension = new SpanExportExtension(flush, json, pause -> {
            pauses.add(pause);
            goOn.acquire();
        });
        lambda.failExtensionEvents(100);

        Thread thread = extension.start(api, id);
        assertTrue(extension.active());
        List<Duration> seen = new ArrayList<>();
        for (int failure = 1; failure < SpanExportExtension.MOST_FAILURES; failure++) {
            // A failsafe against a hang, not a measurement: the extension pauses at once after each failure.
            Duration pause = pauses.poll(30, TimeUnit.SECONDS);
            assertNotNull(pause, "no pause after failure " + failure);
            assertEquals(failure, lambda.extensionEventRequests(), "one request per pause, no busy loop");
            seen.add(pause);
            goOn.release();
        }
        thread.join(TimeUnit.SECONDS.toMillis(30));

        assertFalse(thread.isAlive(), "after " + SpanExportExtension.MOST_FAILURES + " failures in a row it stops");
        assertEquals(SpanExportExtension.MOST_FAILURES, lambda.extensionEventRequests());
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(800)), seen);
        assertFalse(extension.active(), "spans are exported before each response again");
    }

    @Test
    void thePauseDoublesAndIsBounded() {
        assertEquals(Duration.ofMillis(100), SpanExportExtension.pauseAfter(1));
        assertEquals(Duration.ofMillis(800), SpanExportExtension.pauseAfter(4));
        assertEquals(Duration.ofSeconds(1), SpanExportExtension.pauseAfter(5));
        assertEquals(Duration.ofSeconds(1), SpanExportExtension.pauseAfter(1000));
    }
}
