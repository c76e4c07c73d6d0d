package dev.moa.metrics;

import dev.moa.gateway.CallContext;
import dev.moa.gateway.CallListener;
import dev.moa.gateway.CallRecord;
import dev.moa.gateway.MixRequest;

/** Each request's figures, whatever protocol it came in, as {@link RequestMetrics} records them. */
public final class MetricsListener implements CallListener {

    private final RequestMetrics metrics;

    public MetricsListener(RequestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void ended(MixRequest request, CallContext context, CallRecord record) {
        metrics.record(new RequestOutcome(record.mix(), record.at(), record.latency(), record.timeToFirstToken(),
                record.status(), record.layers()));
    }
}
