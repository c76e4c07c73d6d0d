package dev.moa.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import io.opentelemetry.sdk.common.CompletableResultCode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
    /** Exports nothing: what is counted is the extension's requests. */
    private final SpanExportExtension extension = new SpanExportExtension(CompletableResultCode::ofSuccess,
            new ServerSpans(), new ObjectMapper(), pause -> {
                pauses.add(pause);
                goOn.acquire();
            });

    /** Registers with the Extensions API during init, as on Lambda, and starts the extension's thread. */
    private Thread registerAndStart() throws Exception {
        ExtensionsApi api = new ExtensionsApi(lambda.address(), new ObjectMapper());
        return extension.start(api, api.register(SpanExportExtension.NAME).id().orElseThrow());
    }

    @Test
    void aFailingExtensionsApiIsAskedAgainOnlyAfterGrowingPausesThenLeftAlone() throws Exception {
        lambda.failExtensionEvents(100);
        Thread thread = registerAndStart();
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
    void afterAFailureASuccessStartsThePausesAfreshAndTheInvocationIsFinished() throws Exception {
        lambda.failExtensionEvents(2);
        Thread thread = registerAndStart();
        assertEquals(Duration.ofMillis(100), nextPause());
        goOn.release();
        assertEquals(Duration.ofMillis(200), nextPause());
        lambda.invoke("{}".getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(1));
        goOn.release();

        // The test is the runtime: it takes the invocation, which Lambda hands to the extension too.
        HttpResponse<String> invocation = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + lambda.address() + "/2018-06-01/runtime/invocation/next")).build(),
                HttpResponse.BodyHandlers.ofString());
        String requestId = invocation.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
        lambda.failExtensionEvents(1);
        extension.responseEnded();

        assertEquals(Duration.ofMillis(100), nextPause(), "a success in between: the pauses start again");
        assertEquals(4, lambda.extensionEventRequests());
        goOn.release();
        assertTrue(lambda.extensionsDone(requestId).get(30, TimeUnit.SECONDS) > 0,
                "the extension asked again: the invocation is over, the instance may be frozen");
        assertTrue(extension.active());
        thread.interrupt();
    }

    /** The next pause the extension takes (a failsafe against a hang, not a measurement). */
    private Duration nextPause() throws InterruptedException {
        Duration pause = pauses.poll(30, TimeUnit.SECONDS);
        assertNotNull(pause, "the extension did not pause");
        return pause;
    }

    @Test
    void thePauseDoublesAndIsBounded() {
        assertEquals(Duration.ofMillis(100), SpanExportExtension.pauseAfter(1));
        assertEquals(Duration.ofMillis(800), SpanExportExtension.pauseAfter(4));
        assertEquals(Duration.ofSeconds(1), SpanExportExtension.pauseAfter(5));
        assertEquals(Duration.ofSeconds(1), SpanExportExtension.pauseAfter(1000));
    }
}
