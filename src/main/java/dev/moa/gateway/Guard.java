package dev.moa.gateway;

/**
 * A check before a request calls any model, and its settlement once the request ended (limits, budgets). Guards
 * are composed in {@code MoaBeans}; the pipeline never names one.
 */
public interface Guard {

    /** Before any upstream call; refuse by throwing a {@link dev.moa.model.MoaError} (e.g. RATE_LIMITED). */
    void check(MixRequest request, CallContext context);

    /** Exactly once for each request {@link #check} let through and that then ran (answered or failed). */
    default void settle(MixRequest request, CallContext context, CallRecord record) {
    }
}
