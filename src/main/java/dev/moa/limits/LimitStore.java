package dev.moa.limits;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where limit state lives, shared by every instance that serves a key: counters (a window's requests and tokens)
 * and spend accounts (a key's day or month: spend, holds and totals). Every change is atomic in the store itself,
 * never read, modified and written back by the caller. Entries may be dropped after their {@code expires}.
 *
 * @throws LimitStoreUnavailableException (from any method) when the store cannot be reached
 */
public interface LimitStore {

    /** Adds one to a counter unless it has reached {@code ceiling}: the count after, or empty when refused. */
    OptionalLong incrementBelow(String counter, long ceiling, Instant expires);

    /** Adds to a counter. */
    void add(String counter, long amount, Instant expires);

    /** A counter's value; 0 when it does not exist. */
    long read(String counter);

    /**
     * Holds {@code amount} on an account unless its spend plus its holds plus {@code amount} would exceed
     * {@code ceiling}. The hold's id says when it goes stale ({@link HoldId}).
     *
     * @return the account's spend plus holds after this one, or empty when refused
     */
    Optional<BigDecimal> hold(String account, HoldId hold, BigDecimal amount, BigDecimal ceiling, Instant expires);

    /**
     * Replaces a hold (if any; null for none) by what was spent and counts one request and its tokens. A hold
     * already released as stale is not released twice; the spend is added all the same.
     *
     * @return the account's spend plus holds after this
     */
    BigDecimal settle(String account, HoldId hold, BigDecimal held, BigDecimal spent, long tokens, Instant expires);

    /** Gives a hold back unused (another budget refused the request); nothing when it is gone already. */
    void release(String account, HoldId hold, BigDecimal amount);

    /** Releases the account's holds that went stale before {@code now}; how many. */
    int releaseStale(String account, Instant now);

    Account account(String account);

    /** One account: what was spent and is held now, and the requests and tokens settled. */
    record Account(BigDecimal spent, BigDecimal held, long requests, long tokens) {
        public static final Account EMPTY = new Account(BigDecimal.ZERO, BigDecimal.ZERO, 0, 0);
    }
}
