package dev.moa.metrics;

/** Where each request's figures go. */
public interface RequestMetrics {

    /** Records nothing: dev mode and tests, unless {@code moa.metrics.emf} is on. */
    RequestMetrics NONE = outcome -> { };

    void record(RequestOutcome outcome);

    /** A request a client key's limits refused, by kind (e.g. {@code requests_per_minute}, {@code budget}). */
    default void refused(String kind, String mix) {
    }
}
