package dev.moa.gateway;

/** Observes each request's end (metrics, telemetry); must not throw, must not block. */
@FunctionalInterface
public interface CallListener {

    void ended(MixRequest request, CallContext context, CallRecord record);
}
