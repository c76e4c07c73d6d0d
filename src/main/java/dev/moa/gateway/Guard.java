package dev.moa.gateway;

import dev.moa.engine.MixPlan;
import dev.moa.engine.MixRun;
import dev.moa.store.ResolvedMix;

import java.util.function.Supplier;

/**
 * A check before a request calls any model, and its settlement once the request ended (limits, budgets). Guards
 * are composed in {@code MoaBeans}; the pipeline never names one. Refuse by throwing (a {@link dev.moa.model.MoaError}
 * or an exception the adapters' error mappers know).
 */
public interface Guard {

    /** Before the mix is read: what may be refused on the request and the caller alone. */
    default void screen(MixRequest request, CallContext context) {
    }

    /**
     * Before any upstream call, with the run as it would go.
     *
     * @return what is told, exactly once, how the admitted request ended
     */
    Pass check(MixRequest request, CallContext context, Planned planned);

    /** The run as resolved: the mix with its providers, the engine's run, and its dry-run plan when asked for. */
    record Planned(ResolvedMix mix, MixRun run, Supplier<MixPlan> plan) {
    }

    /** One admitted request. */
    @FunctionalInterface
    interface Pass {

        Pass NONE = record -> { };

        /**
         * Status {@link CallRecord#CLIENT_CLOSED} when the client went away before the end: the record's usage then
         * holds only what is known (the layers that answered), not what the calls in flight will be billed.
         */
        void settle(CallRecord record);
    }
}
