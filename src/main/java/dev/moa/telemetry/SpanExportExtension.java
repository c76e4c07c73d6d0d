package dev.moa.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * On Lambda, exports each invocation's spans <em>after</em> its response, as an internal Lambda extension: Lambda
 * sends the response to the caller as soon as the runtime posts it, but freezes the instance only once every
 * extension has asked for its next event. So this thread waits for the response to be written, exports, and only
 * then asks: the caller never waits for the collector, and a frozen instance holds no unexported span.
 *
 * <p>Registration must happen during init, before the runtime asks for its first event: it is done here, while the
 * HTTP router is built, which Quarkus finishes before it starts serving (and the Java runtime's client loads the
 * handler, starting Quarkus, before it polls). Where the Extensions API refuses (or is absent), {@link
 * LambdaSpanFlush} makes each response wait for the export instead.
 *
 * <p>A slow collector holds the instance (not the caller) at most {@link #exportWait()}; an invocation whose response never reaches the router (an event the HTTP
 * adapter cannot read) is exported at its deadline.
 */
@Singleton
public class SpanExportExtension {

    static final String NAME = "moa-telemetry";
    /** Failures of {@code next} in a row after which the extension stops (the Runtime API is going away). */
    static final int MOST_FAILURES = 5;
    /** The pause after the first failure; it doubles after each further one, up to {@link #LONGEST_PAUSE}. */
    static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);
    private static final Logger LOG = Logger.getLogger(SpanExportExtension.class);

    /** Waits before asking again after a failure (a test's pause lets it count the requests in between). */
    @FunctionalInterface
    interface Pause {
        Pause SLEEP = pause -> Thread.sleep(pause.toMillis());

        void pause(Duration pause) throws InterruptedException;
    }

    /** How long the export waits, after the response, for the request's server span to end (microseconds, usually). */
    static final Duration SERVER_SPAN_WAIT = Duration.ofMillis(100);

    private final SpanFlush flush;
    private final ServerSpans serverSpans;
    private final ObjectMapper json;
    private final Pause pause;
    /** Read when first asked for (the running configuration: a native image makes this bean while it is built). */
    private volatile Duration exportWait;
    /** One permit per response written; Lambda runs one invocation at a time per instance. */
    private final Semaphore responses = new Semaphore(0);
    private volatile boolean active;

    @Inject
    public SpanExportExtension(SpanFlush flush, ServerSpans serverSpans, ObjectMapper json) {
        this(flush, serverSpans, json, Pause.SLEEP);
    }

    SpanExportExtension(SpanFlush flush, ServerSpans serverSpans, ObjectMapper json, Pause pause) {
        this.flush = flush;
        this.serverSpans = serverSpans;
        this.json = json;
        this.pause = pause;
    }

    /**
     * The longest an export may hold the instance after a response (here) or a response itself (without the
     * extension): {@code quarkus.otel.bsp.export.timeout} if set, else {@link LambdaSpanFlush#MOST}.
     */
    Duration exportWait() {
        Duration known = exportWait;
        if (known == null) {
            known = ConfigProvider.getConfig().getOptionalValue("quarkus.otel.bsp.export.timeout", Duration.class)
                    .orElse(LambdaSpanFlush.MOST);
            exportWait = known;
        }
        return known;
    }

    /** Whether spans go out after each response (else, where needed, before it). */
    public boolean active() {
        return active;
    }

    void install(@Observes Router router) {
        String runtimeApi = System.getenv("AWS_LAMBDA_RUNTIME_API");
        if (!flush.needed() || runtimeApi == null || runtimeApi.isBlank()) {
            return;
        }
        ExtensionsApi api = new ExtensionsApi(runtimeApi, json);
        ExtensionsApi.Registration registration;
        try {
            registration = api.register(NAME);
        } catch (IOException e) {
            registration = new ExtensionsApi.Registration(java.util.Optional.empty(), e.getClass().getSimpleName());
        }
        if (registration.id().isEmpty()) {
            LOG.infof("Spans are exported before each response: the Lambda Extensions API refused %s (%s)", NAME,
                    registration.refusal());
            return;
        }
        // First in line, so that every request, whatever route answers it, signals its response's end.
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            context.addEndHandler(ended -> responseEnded());
            context.next();
        });
        start(api, registration.id().get());
    }

    /** A response was written: the current invocation's spans may be exported. */
    void responseEnded() {
        responses.release();
    }

    /** Starts the thread that asks for events as the registered extension {@code id}. */
    Thread start(ExtensionsApi api, String id) {
        Duration most = exportWait();
        Thread thread = new Thread(() -> run(api, id, most), NAME);
        thread.setDaemon(true);
        active = true;
        thread.start();
        return thread;
    }

    /** Asks for an event; after each invocation's response, exports, then asks again. */
    private void run(ExtensionsApi api, String id, Duration most) {
        int failures = 0;
        while (true) {
            ExtensionsApi.Event event;
            try {
                event = api.next(id);
                failures = 0;
            } catch (IOException e) {
                // The Runtime API going away means the instance is shutting down; a blip is retried, after a pause
                // that grows with each failure in a row (a failing API is not asked in a busy loop).
                if (++failures >= MOST_FAILURES) {
                    LOG.warnf("The Lambda Extensions API failed %d times (%s): %s stops, spans are exported before "
                            + "each response", failures, e.getClass().getSimpleName(), NAME);
                    active = false;
                    return;
                }
                try {
                    pause.pause(pauseAfter(failures));
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            if (event.shutdown()) {
                export(most);
                return;
            }
            try {
                long left = event.deadlineMs() - System.currentTimeMillis();
                if (responses.tryAcquire(Math.max(0, left), TimeUnit.MILLISECONDS)) {
                    serverSpans.awaitEnded(SERVER_SPAN_WAIT);
                }
            } catch (InterruptedException e) {
                return;
            }
            export(most);
            // The next invocation starts only after this thread asks: any permit left is this one's, not the next's.
            responses.drainPermits();
        }
    }

    /** 100 ms after the first failure in a row, doubling after each further one, never more than 1 s. */
    static Duration pauseAfter(int failures) {
        Duration pause = FIRST_PAUSE.multipliedBy(1L << Math.min(failures - 1, 10));
        return pause.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause;
    }

    private void export(Duration most) {
        CompletableResultCode done = flush.flush();
        done.join(most.toMillis(), TimeUnit.MILLISECONDS);
    }
}
