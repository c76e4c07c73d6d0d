package dev.moa.limits;

import dev.moa.gateway.CallRecord;
import dev.moa.mix.KeyLimits;
import dev.moa.model.TokenUsage;
import dev.moa.store.ClientKeyHash;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * A client key's limits around one request: {@link #admit} before the first upstream call (mixes, cost cap,
 * tokens and requests per minute, budget reservations), {@link #settle} after the last (tokens and the actual
 * cost replace the reservation). Windows are fixed minutes of {@code clock}; budgets are the UTC day and month.
 *
 * <p>When the store cannot be reached, a key with a budget is refused (503): spending without a record could exceed
 * it. A key with only rate limits is let through, with a warning: a rate limit protects the upstreams, not money.
 */
public final class LimitsGuard {

    private static final Logger LOG = Logger.getLogger(LimitsGuard.class);
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");

    private final LimitStore store;
    private final CostEstimator estimator;
    private final Clock clock;
    private final Duration holdTimeout;
    private final RefusalListener refusals;

    public LimitsGuard(LimitStore store, CostEstimator estimator, Clock clock, Duration holdTimeout,
                       RefusalListener refusals) {
        this.store = store;
        this.estimator = estimator;
        this.clock = clock;
        this.holdTimeout = holdTimeout;
        this.refusals = refusals;
    }

    public CostEstimator estimator() {
        return estimator;
    }

    /**
     * Refused when the key's document is invalid, before anything else: a key is never let in without its limits.
     */
    public void checkKey(ClientKeyHash key) {
        if (key != null && key.problem().isPresent()) {
            throw refuse(new LimitRefusal(LimitRefusal.Kind.INVALID_KEY_DOCUMENT,
                    "The key document of client key \"" + key.name() + "\" is invalid, so its requests are refused "
                            + "until it is fixed: " + key.problem().get()), null);
        }
    }

    /**
     * Before the mix is even read: a key with an invalid document is refused, and so is a mix outside the key's
     * {@code mixes}, as if it did not exist.
     *
     * @return the key, or null when none was identified
     */
    public ClientKeyHash screen(Optional<ClientKeyHash> identified, String mix) {
        ClientKeyHash key = identified.orElse(null);
        checkKey(key);
        if (key != null && !key.limits().allows(mix)) {
            throw refuse(new LimitRefusal(LimitRefusal.Kind.MIX_NOT_ALLOWED, mix), mix);
        }
        return key;
    }

    /**
     * Before the first upstream call.
     *
     * @param key          the calling key, or null when none was identified (no limits)
     * @param mix          the mix the request names, as the client wrote it
     * @param estimate     the request's worst case, asked for only when the key has a cost limit
     * @param countRequest false for a batch line: it counts against the key's tokens and budgets, not its rpm
     * @throws LimitRefusal when a limit refuses it
     */
    public Admission admit(ClientKeyHash key, String mix, Supplier<CostEstimate> estimate, boolean countRequest) {
        screen(Optional.ofNullable(key), mix);
        if (key == null || !key.limits().any()) {
            return Admission.UNLIMITED;
        }
        KeyLimits limits = key.limits();
        Optional<CostEstimate> cost = Optional.empty();
        if (limits.costLimited()) {
            CostEstimate worst = estimate.get();
            if (worst.unpriced() != null) {
                throw refuse(new LimitRefusal(LimitRefusal.Kind.UNPRICED_AGENT, "Agent " + worst.unpriced()
                        + " of mix '" + mix + "' has no price, and this key has a cost limit: every call must be "
                        + "priced (the provider document's pricing)."), mix);
            }
            if (limits.maxCostPerRequestUsd().isPresent()
                    && worst.usd().compareTo(limits.maxCostPerRequestUsd().get()) > 0) {
                throw refuse(new LimitRefusal(LimitRefusal.Kind.MAX_COST, "This request may cost up to $"
                        + usd(worst.usd()) + " (" + worst.calls() + " calls at their max_tokens), over this key's "
                        + "max_cost_per_request_usd of $" + limits.maxCostPerRequestUsd().get().toPlainString()
                        + ". Lower max_tokens or use a smaller mix."), mix);
            }
            cost = Optional.of(worst);
        }
        Instant now = clock.instant();
        Admission.Plan plan = plan(key.name(), limits, now);
        try {
            return admit(key.name(), limits, plan, mix, cost, countRequest, now);
        } catch (LimitStoreUnavailableException e) {
            if (limits.budgeted()) {
                LOG.warnf("refusing a request of client key %s: %s", key.name(), e.getMessage());
                throw refuse(new LimitRefusal(LimitRefusal.Kind.UNAVAILABLE, "This key's budget cannot be checked "
                        + "right now (the limit store is unavailable), so its requests are refused; please retry."),
                        mix);
            }
            LOG.warnf("letting a request of client key %s through without its rate limits: %s", key.name(),
                    e.getMessage());
            return new Admission(key.name(), cost, null, null, Map.of(),
                    new Admission.Plan(limits, plan.tokenWindow(), plan.windowEnds(), plan.dayAccount(),
                            plan.monthAccount(), plan.dayEnds(), plan.monthEnds(), false));
        }
    }

    private Admission admit(String name, KeyLimits limits, Admission.Plan plan, String mix,
                            Optional<CostEstimate> cost, boolean countRequest, Instant now) {
        Map<String, String> headers = new LinkedHashMap<>();
        Duration reset = Duration.between(now, plan.windowEnds());
        if (limits.tpm().isPresent()) {
            long used = store.read(plan.tokenWindow());
            long tpm = limits.tpm().get();
            tokenHeaders(headers, tpm, used, reset);
            if (used >= tpm) {
                requestHeaders(headers, limits, name, now, reset);
                throw refuse(new LimitRefusal(LimitRefusal.Kind.TOKENS_PER_MINUTE, "Rate limit reached for client key "
                        + name + " on tokens per min (TPM): Limit " + tpm + ", Used " + used + ". Please try again in "
                        + seconds(reset) + "s.", Optional.of(reset), headers), mix);
            }
        }
        if (limits.rpm().isPresent()) {
            int rpm = limits.rpm().get();
            if (countRequest) {
                OptionalLong count = store.incrementBelow(requestWindow(name, now), rpm, plan.windowEnds().plus(WINDOW));
                if (count.isEmpty()) {
                    requestHeaders(headers, rpm, rpm, reset);
                    throw refuse(new LimitRefusal(LimitRefusal.Kind.REQUESTS_PER_MINUTE, "Rate limit reached for "
                            + "client key " + name + " on requests per min (RPM): Limit " + rpm + ", Used " + rpm
                            + ". Please try again in " + seconds(reset) + "s.", Optional.of(reset), headers), mix);
                }
                requestHeaders(headers, rpm, count.getAsLong(), reset);
            } else {
                requestHeaders(headers, limits, name, now, reset);
            }
        }
        HoldId dayHold = null;
        HoldId monthHold = null;
        if (limits.budgeted()) {
            BigDecimal amount = cost.map(CostEstimate::usd).orElse(BigDecimal.ZERO);
            Instant staleAt = now.plus(holdTimeout);
            BigDecimal remaining = null;
            if (limits.dayBudgetUsd().isPresent()) {
                dayHold = HoldId.create(staleAt);
                Optional<BigDecimal> committed = hold(plan.dayAccount(), dayHold, amount,
                        limits.dayBudgetUsd().get(), plan.dayEnds(), now);
                if (committed.isEmpty()) {
                    throw budgetRefused(name, "day", limits.dayBudgetUsd().get(), plan.dayAccount(), amount,
                            headers, mix);
                }
                remaining = limits.dayBudgetUsd().get().subtract(committed.get());
            }
            if (limits.monthBudgetUsd().isPresent()) {
                monthHold = HoldId.create(staleAt);
                Optional<BigDecimal> committed;
                try {
                    committed = hold(plan.monthAccount(), monthHold, amount, limits.monthBudgetUsd().get(),
                            plan.monthEnds(), now);
                } catch (LimitStoreUnavailableException e) {
                    release(plan.dayAccount(), dayHold, amount);
                    throw e;
                }
                if (committed.isEmpty()) {
                    release(plan.dayAccount(), dayHold, amount);
                    throw budgetRefused(name, "month", limits.monthBudgetUsd().get(), plan.monthAccount(), amount,
                            headers, mix);
                }
                BigDecimal left = limits.monthBudgetUsd().get().subtract(committed.get());
                remaining = remaining == null || left.compareTo(remaining) < 0 ? left : remaining;
            }
            headers.put("x-moa-budget-remaining-usd", usd(remaining.max(BigDecimal.ZERO)));
        }
        return new Admission(name, cost, dayHold, monthHold, headers, plan);
    }

    /** A hold refused because of holds whose requests died is tried once more after releasing them. */
    private Optional<BigDecimal> hold(String account, HoldId hold, BigDecimal amount, BigDecimal ceiling,
                                      Instant expires, Instant now) {
        Optional<BigDecimal> committed = store.hold(account, hold, amount, ceiling, expires);
        if (committed.isEmpty() && store.releaseStale(account, now) > 0) {
            committed = store.hold(account, hold, amount, ceiling, expires);
        }
        return committed;
    }

    private void release(String account, HoldId hold, BigDecimal amount) {
        if (hold != null) {
            store.release(account, hold, amount);
        }
    }

    private LimitRefusal budgetRefused(String name, String period, BigDecimal budget, String account,
                                       BigDecimal amount, Map<String, String> headers, String mix) {
        LimitStore.Account state = store.account(account);
        BigDecimal remaining = budget.subtract(state.spent()).subtract(state.held()).max(BigDecimal.ZERO);
        headers.put("x-moa-budget-remaining-usd", usd(remaining));
        return refuse(new LimitRefusal(LimitRefusal.Kind.BUDGET, "You exceeded client key " + name + "'s " + period
                + " budget of $" + budget.toPlainString() + ": $" + usd(state.spent()) + " spent, $"
                + usd(state.held()) + " reserved by requests in flight, and this request may cost up to $"
                + usd(amount) + ".", Optional.empty(), headers), mix);
    }

    /**
     * After the last upstream call, whatever the outcome: the request's tokens and actual cost replace what it
     * reserved. Only the first call counts (a stream that ends and is then cancelled settles once).
     *
     * @return the headers after settling (the budget left, the tokens left in the window)
     */
    public Map<String, String> settle(Admission admission, long tokens, BigDecimal spent) {
        if (!admission.startSettling()) {
            return admission.headers();
        }
        if (!admission.plan().stored()) {
            admission.settled(spent, admission.headers());
            return admission.headers();
        }
        Admission.Plan plan = admission.plan();
        KeyLimits limits = plan.limits();
        BigDecimal held = admission.estimate().map(CostEstimate::usd).orElse(BigDecimal.ZERO);
        Map<String, String> headers = new LinkedHashMap<>(admission.headers());
        try {
            if (limits.tpm().isPresent() && tokens > 0) {
                store.add(plan.tokenWindow(), tokens, plan.windowEnds().plus(WINDOW));
                Instant now = clock.instant();
                if (now.isBefore(plan.windowEnds())) {
                    tokenHeaders(headers, limits.tpm().get(), store.read(plan.tokenWindow()),
                            Duration.between(now, plan.windowEnds()));
                }
            }
            BigDecimal day = store.settle(plan.dayAccount(), admission.dayHold(), held, spent, tokens, plan.dayEnds());
            BigDecimal month = store.settle(plan.monthAccount(), admission.monthHold(), held, spent, tokens,
                    plan.monthEnds());
            BigDecimal remaining = null;
            if (limits.dayBudgetUsd().isPresent()) {
                remaining = limits.dayBudgetUsd().get().subtract(day);
            }
            if (limits.monthBudgetUsd().isPresent()) {
                BigDecimal left = limits.monthBudgetUsd().get().subtract(month);
                remaining = remaining == null || left.compareTo(remaining) < 0 ? left : remaining;
            }
            if (remaining != null) {
                headers.put("x-moa-budget-remaining-usd", usd(remaining.max(BigDecimal.ZERO)));
            }
        } catch (LimitStoreUnavailableException e) {
            // Its reservation stays until it goes stale; the spend it should replace is lost.
            LOG.errorf("could not settle a request of client key %s ($%s): %s", admission.key(), usd(spent),
                    e.getMessage());
        }
        admission.settled(spent, headers);
        return headers;
    }

    /**
     * Settles an admitted request from how it ended: its usage and cost as the gateway recorded them. A client that
     * went away ({@link CallRecord#CLIENT_CLOSED}) is charged what is known plus the worst case of the calls in
     * flight (the aggregator's, or the whole estimate when no layer had answered): providers bill what they
     * generated and never say how much. A request another guard refused ({@link CallRecord#NOT_RUN}) gives its
     * reservations back.
     *
     * @return the headers after settling
     */
    public Map<String, String> settle(Admission admission, CallRecord record) {
        TokenUsage usage = record.usage();
        if (record.status() == CallRecord.NOT_RUN) {
            release(admission);
            return admission.headers();
        }
        BigDecimal cost = usage.cost() == null ? BigDecimal.ZERO : usage.cost();
        if (record.status() == CallRecord.CLIENT_CLOSED) {
            cost = cost.add(admission.estimate().map(e -> record.layers().isEmpty() ? e.usd() : e.lastLayerUsd())
                    .orElse(BigDecimal.ZERO));
        }
        return settle(admission, usage.totalTokens(), cost);
    }

    private void release(Admission admission) {
        if (!admission.startSettling() || !admission.plan().stored()) {
            return;
        }
        BigDecimal held = admission.estimate().map(CostEstimate::usd).orElse(BigDecimal.ZERO);
        try {
            release(admission.plan().dayAccount(), admission.dayHold(), held);
            release(admission.plan().monthAccount(), admission.monthHold(), held);
        } catch (LimitStoreUnavailableException e) {
            LOG.warnf("could not release the reservations of client key %s: %s", admission.key(), e.getMessage());
        }
    }

    /** The key's own usage (GET /v1/moa/usage). */
    public UsageReport usage(ClientKeyHash key) {
        checkKey(key);
        Instant now = clock.instant();
        Admission.Plan plan = plan(key.name(), key.limits(), now);
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        return new UsageReport(key.name(), day.toString(), store.account(plan.dayAccount()),
                YearMonth.from(day).format(MONTH), store.account(plan.monthAccount()), key.limits());
    }

    private Admission.Plan plan(String name, KeyLimits limits, Instant now) {
        long window = now.getEpochSecond() / WINDOW.toSeconds();
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        YearMonth month = YearMonth.from(day);
        // Accounts outlive their period a little, so a late settlement still finds them.
        Instant dayEnds = day.plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant monthEnds = month.plusMonths(1).atDay(1).plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant();
        return new Admission.Plan(limits, name + "#tpm#" + window,
                Instant.ofEpochSecond((window + 1) * WINDOW.toSeconds()), name + "#day#" + day,
                name + "#month#" + month.format(MONTH), dayEnds, monthEnds, true);
    }

    private static String requestWindow(String name, Instant now) {
        return name + "#rpm#" + now.getEpochSecond() / WINDOW.toSeconds();
    }

    /** The request headers without counting a request (a batch line, a refusal before the count). */
    private void requestHeaders(Map<String, String> headers, KeyLimits limits, String name, Instant now,
                                Duration reset) {
        if (limits.rpm().isPresent()) {
            requestHeaders(headers, limits.rpm().get(), store.read(requestWindow(name, now)), reset);
        }
    }

    private static void requestHeaders(Map<String, String> headers, long limit, long used, Duration reset) {
        headers.put("x-ratelimit-limit-requests", Long.toString(limit));
        headers.put("x-ratelimit-remaining-requests", Long.toString(Math.max(0, limit - used)));
        headers.put("x-ratelimit-reset-requests", seconds(reset) + "s");
    }

    private static void tokenHeaders(Map<String, String> headers, long limit, long used, Duration reset) {
        headers.put("x-ratelimit-limit-tokens", Long.toString(limit));
        headers.put("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, limit - used)));
        headers.put("x-ratelimit-reset-tokens", seconds(reset) + "s");
    }

    /** Whole seconds, rounded up, at least one: a client that waits that long finds the window reset. */
    static long seconds(Duration duration) {
        long millis = Math.max(0, duration.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }

    static String usd(BigDecimal value) {
        return value.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private LimitRefusal refuse(LimitRefusal refusal, String mix) {
        refusals.refused(refusal.kind(), mix);
        return refusal;
    }
}
