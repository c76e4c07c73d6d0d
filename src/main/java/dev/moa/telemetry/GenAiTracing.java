package dev.moa.telemetry;

import dev.moa.engine.MixListener;
import dev.moa.engine.MixRun;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.function.Supplier;

/**
 * OpenTelemetry spans for every run: {@code moa.mix}, one per layer, one per agent call, and one per upstream
 * request following the GenAI semantic conventions ({@link MixSpans}). Off (no listener at all) when the SDK is
 * disabled, which it is unless an OTLP endpoint is configured ({@link OtelEnvironment}).
 */
public final class GenAiTracing implements MixListener.Factory {

    private final Supplier<Tracer> tracers;
    private final TextMapPropagator propagator;
    private final java.util.function.BooleanSupplier enabled;
    private final java.util.function.BooleanSupplier captureContent;
    private final SpanFlush flush;
    /** Asked for at the first run: the SDK is set up after the engine is made. */
    private volatile Tracer tracer;
    /** Read at the first run, not when this is made: a native image makes some beans while it is being built. */
    private volatile Boolean on;
    private volatile boolean content;

    /**
     * @param captureContent {@code OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true}: prompts and answers go
     *                       on the call spans (redacted of the request's keys); never otherwise
     * @param flush          asked when a mix's spans have ended (on Lambda: export before the instance is frozen)
     */
    public GenAiTracing(Supplier<Tracer> tracers, TextMapPropagator propagator,
                        java.util.function.BooleanSupplier enabled, java.util.function.BooleanSupplier captureContent,
                        SpanFlush flush) {
        this.tracers = tracers;
        this.propagator = propagator;
        this.enabled = enabled;
        this.captureContent = captureContent;
        this.flush = flush;
    }

    @Override
    public MixListener forRun(MixRun run) {
        Boolean known = on;
        if (known == null) {
            content = captureContent.getAsBoolean();
            known = enabled.getAsBoolean();
            on = known;
        }
        if (!known) {
            return MixListener.NONE;
        }
        Tracer current = tracer;
        if (current == null) {
            current = tracers.get();
            tracer = current;
        }
        // The caller's context (the server span, continuing an incoming traceparent) is the mix span's parent.
        return new MixSpans(current, propagator, Context.current(), run, content, flush);
    }
}
