package dev.moa.telemetry;

import io.opentelemetry.sdk.common.CompletableResultCode;

/** Exports the spans ended so far (Lambda: before the instance is frozen); {@link #NONE} where not needed. */
@FunctionalInterface
public interface SpanFlush {

    SpanFlush NONE = CompletableResultCode::ofSuccess;

    CompletableResultCode flush();

    default boolean needed() {
        return this != NONE;
    }
}
