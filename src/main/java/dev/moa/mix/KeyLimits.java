package dev.moa.mix;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * What a client key may do, from its key document: requests and tokens per minute, the most one request may cost,
 * daily and monthly budgets in USD, and the mixes it may use ({@code mixes}: names, {@code *} matching any run of
 * characters). Every limit is optional; {@link #NONE} (a bare SHA-256 hex) limits nothing.
 */
public record KeyLimits(Optional<Integer> rpm, Optional<Long> tpm, Optional<BigDecimal> maxCostPerRequestUsd,
                        Optional<BigDecimal> dayBudgetUsd, Optional<BigDecimal> monthBudgetUsd,
                        Optional<List<String>> mixes) {

    public static final KeyLimits NONE = new KeyLimits(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    public KeyLimits {
        mixes = mixes.map(List::copyOf);
    }

    /** Whether anything is limited: only then are counters kept and headers sent. */
    public boolean any() {
        return rpm.isPresent() || tpm.isPresent() || costLimited() || mixes.isPresent();
    }

    /** A per-request cap or a budget: the request's cost must be estimated, so every call needs a price. */
    public boolean costLimited() {
        return maxCostPerRequestUsd.isPresent() || budgeted();
    }

    public boolean budgeted() {
        return dayBudgetUsd.isPresent() || monthBudgetUsd.isPresent();
    }

    /**
     * Whether the key may use this mix ({@code name}, {@code name:version}, or a direct {@code provider/model},
     * matched whole): always, without {@code mixes}.
     */
    public boolean allows(String mix) {
        if (mixes.isEmpty()) {
            return true;
        }
        int selector = mix.indexOf(':');
        String name = selector < 0 || mix.indexOf('/') >= 0 ? mix : mix.substring(0, selector);
        return mixes.get().stream().anyMatch(pattern -> matches(pattern, name));
    }

    /** A glob with {@code *} only: no regular expression is built from a document. */
    static boolean matches(String pattern, String name) {
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(name);
        }
        String head = pattern.substring(0, star);
        if (!name.startsWith(head)) {
            return false;
        }
        String rest = pattern.substring(star + 1);
        String tail = name.substring(head.length());
        if (rest.indexOf('*') < 0) {
            return tail.endsWith(rest);
        }
        for (int i = 0; i <= tail.length(); i++) {
            if (matches(rest, tail.substring(i))) {
                return true;
            }
        }
        return false;
    }
}
