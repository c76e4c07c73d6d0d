package dev.moa.limits;

import dev.moa.mix.KeyLimits;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request the limits let through: what it reserved, to be settled once when it ends ({@link LimitsGuard#settle}),
 * and the headers its answer carries. {@link #UNLIMITED} for a key without limits (nothing to settle).
 */
public final class Admission {

    /** Where the key's state is counted, and whether the store could be reached at admission. */
    record Plan(KeyLimits limits, String tokenWindow, Instant windowEnds, String dayAccount, String monthAccount,
                Instant dayEnds, Instant monthEnds, boolean stored) {
    }

    public static final Admission UNLIMITED = new Admission(null, Optional.empty(), null, null, Map.of(), null);

    private final String key;
    private final Optional<CostEstimate> estimate;
    private final HoldId dayHold;
    private final HoldId monthHold;
    private final Plan plan;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Map<String, String> headers;
    private volatile BigDecimal settledUsd;

    Admission(String key, Optional<CostEstimate> estimate, HoldId dayHold, HoldId monthHold,
              Map<String, String> headers, Plan plan) {
        this.key = key;
        this.estimate = estimate;
        this.dayHold = dayHold;
        this.monthHold = monthHold;
        this.headers = Map.copyOf(headers);
        this.plan = plan;
    }

    public boolean limited() {
        return key != null;
    }

    /** The key's name; null when unlimited. */
    public String key() {
        return key;
    }

    /** The worst-case cost, when the key has a cost limit. */
    public Optional<CostEstimate> estimate() {
        return estimate;
    }

    /** The worst-case estimate in USD; null without a cost limit. */
    public BigDecimal estimateUsd() {
        return estimate.map(CostEstimate::usd).orElse(null);
    }

    /** What the request was charged once settled; null before (or without limits). */
    public BigDecimal settledUsd() {
        return settledUsd;
    }

    /** {@code x-ratelimit-*} and {@code x-moa-budget-remaining-usd} as they stand now (after settling, if it has). */
    public Map<String, String> headers() {
        return headers;
    }

    HoldId dayHold() {
        return dayHold;
    }

    HoldId monthHold() {
        return monthHold;
    }

    Plan plan() {
        return plan;
    }

    /** True for the first caller only: a request settles once. */
    boolean startSettling() {
        return limited() && settled.compareAndSet(false, true);
    }

    void settled(BigDecimal usd, Map<String, String> after) {
        settledUsd = usd;
        headers = Map.copyOf(after);
    }
}
