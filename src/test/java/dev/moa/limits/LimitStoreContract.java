package dev.moa.limits;

import dev.moa.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link LimitStore} must do; each store's test runs these against a real instance. */
abstract class LimitStoreContract {

    protected final ManualClock clock = new ManualClock();
    /** A fresh name per test, so tests on one store never see each other's state. */
    protected String account;

    abstract LimitStore store();

    @BeforeEach
    void name() {
        account = "key-" + UUID.randomUUID();
    }

    private Instant later() {
        return clock.instant().plus(Duration.ofDays(1));
    }

    @Test
    void aCounterStopsAtItsCeiling() {
        LimitStore store = store();
        assertEquals(OptionalLong.of(1), store.incrementBelow(account, 2, later()));
        assertEquals(OptionalLong.of(2), store.incrementBelow(account, 2, later()));
        assertEquals(OptionalLong.empty(), store.incrementBelow(account, 2, later()));
        assertEquals(2, store.read(account));
        store.add(account + "t", 150, later());
        store.add(account + "t", 50, later());
        assertEquals(200, store.read(account + "t"));
        assertEquals(0, store.read(account + "none"));
    }

    @Test
    void holdsNeverExceedTheCeilingUnderConcurrency() throws Exception {
        LimitStore store = store();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Boolean>> holds = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                holds.add(() -> store.hold(account, HoldId.create(later()), new BigDecimal("0.3"),
                        new BigDecimal("3"), later()).isPresent());
            }
            int held = 0;
            for (Future<Boolean> f : pool.invokeAll(holds)) {
                held += f.get() ? 1 : 0;
            }
            assertEquals(10, held);
            LimitStore.Account state = store.account(account);
            assertEquals(0, new BigDecimal("3.0").compareTo(state.held()), state.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void settlingReplacesTheHoldByTheSpend() {
        LimitStore store = store();
        HoldId hold = HoldId.create(later());
        assertEquals(Optional.of(new BigDecimal("0.5")), store.hold(account, hold, new BigDecimal("0.5"),
                BigDecimal.ONE, later()).map(BigDecimal::stripTrailingZeros));
        assertTrue(store.hold(account, HoldId.create(later()), new BigDecimal("0.6"), BigDecimal.ONE, later())
                .isEmpty(), "0.5 held + 0.6 > 1");
        BigDecimal committed = store.settle(account, hold, new BigDecimal("0.5"), new BigDecimal("0.125"), 40, later());
        assertEquals(0, new BigDecimal("0.125").compareTo(committed));
        LimitStore.Account state = store.account(account);
        assertEquals(0, new BigDecimal("0.125").compareTo(state.spent()));
        assertEquals(0, BigDecimal.ZERO.compareTo(state.held()));
        assertEquals(1, state.requests());
        assertEquals(40, state.tokens());
        assertTrue(store.hold(account, HoldId.create(later()), new BigDecimal("0.6"), BigDecimal.ONE, later())
                .isPresent(), "0.125 spent + 0.6 <= 1");
    }

    @Test
    void staleHoldsAreReleasedOnceAndTheirLateSpendStillCounts() {
        LimitStore store = store();
        HoldId dead = HoldId.create(clock.instant().plus(Duration.ofMinutes(20)));
        store.hold(account, dead, new BigDecimal("0.9"), BigDecimal.ONE, later());
        assertEquals(0, store.releaseStale(account, clock.instant()), "not stale yet");
        clock.advance(Duration.ofMinutes(21));
        assertEquals(1, store.releaseStale(account, clock.instant()));
        assertEquals(0, store.releaseStale(account, clock.instant()));
        assertEquals(0, BigDecimal.ZERO.compareTo(store.account(account).held()));
        store.settle(account, dead, new BigDecimal("0.9"), new BigDecimal("0.2"), 10, later());
        LimitStore.Account state = store.account(account);
        assertEquals(0, new BigDecimal("0.2").compareTo(state.spent()), state.toString());
        assertEquals(0, BigDecimal.ZERO.compareTo(state.held()), state.toString());
    }

    @Test
    void aReleasedHoldGivesItsAmountBack() {
        LimitStore store = store();
        HoldId hold = HoldId.create(later());
        store.hold(account, hold, new BigDecimal("0.7"), BigDecimal.ONE, later());
        store.release(account, hold, new BigDecimal("0.7"));
        store.release(account, hold, new BigDecimal("0.7"));
        LimitStore.Account state = store.account(account);
        assertEquals(0, BigDecimal.ZERO.compareTo(state.held()), state.toString());
        assertEquals(0, state.requests());
    }
}
