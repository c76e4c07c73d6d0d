package dev.moa.limits;

import dev.moa.gateway.CallContext;
import dev.moa.gateway.Guard;
import dev.moa.gateway.MixRequest;
import dev.moa.store.ClientKeyHash;
import dev.moa.store.ClientKeys;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * The client key's limits as the gateway's {@link Guard}, so chat, responses, messages, batches and evals all get
 * them: screened before the mix is read, admitted before any upstream call, settled once the request ends. The
 * answer carries the key's headers and, in the trace, the estimate and what was settled.
 */
public final class LimitsGate implements Guard {

    private final ClientKeys keys;
    private final LimitsGuard limits;

    public LimitsGate(ClientKeys keys, LimitsGuard limits) {
        this.keys = keys;
        this.limits = limits;
    }

    @Override
    public void screen(MixRequest request, CallContext context) {
        limits.screen(caller(context), request.model());
    }

    @Override
    public Pass check(MixRequest request, CallContext context, Planned planned) {
        Admission admission = limits.admit(caller(context).orElse(null), request.model(),
                () -> limits.estimator().estimate(planned.run(), planned.plan().get(), planned.mix().providers()),
                !context.batchLine());
        if (!admission.limited()) {
            return Pass.NONE;
        }
        context.notes().headers(admission.headers());
        context.notes().trace("limits", new TraceEntry(admission.key(), admission.estimateUsd(), null));
        return record -> {
            context.notes().headers(limits.settle(admission, record));
            context.notes().trace("limits", new TraceEntry(admission.key(), admission.estimateUsd(),
                    admission.settledUsd()));
        };
    }

    /** The presented key; else, for a batch line or an eval run's call, the key that created it. */
    private Optional<ClientKeyHash> caller(CallContext context) {
        if (context.callerKey().isPresent()) {
            return context.callerKey().flatMap(keys::identifyKey);
        }
        return context.owner().flatMap(keys::named);
    }

    /** The trace's {@code limits}: the key, the worst-case estimate reserved, and the cost settled. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record TraceEntry(String key,
                             @com.fasterxml.jackson.annotation.JsonProperty("estimate_usd") BigDecimal estimateUsd,
                             @com.fasterxml.jackson.annotation.JsonProperty("settled_usd") BigDecimal settledUsd) {
    }
}
