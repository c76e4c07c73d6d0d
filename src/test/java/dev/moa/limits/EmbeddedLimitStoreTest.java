package dev.moa.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EmbeddedLimitStoreTest extends LimitStoreContract {

    @TempDir
    Path dir;

    private LimitStore store;

    @Override
    LimitStore store() {
        if (store == null) {
            store = new EmbeddedLimitStore(dir, new ObjectMapper(), clock);
        }
        return store;
    }

    @Test
    void aRestartKeepsTheMonthsSpendAndCounters() {
        HoldId hold = HoldId.create(clock.instant().plus(Duration.ofMinutes(20)));
        store().hold(account, hold, new BigDecimal("2"), new BigDecimal("10"), clock.instant().plus(Duration.ofDays(40)));
        store().settle(account, hold, new BigDecimal("2"), new BigDecimal("1.25"), 300,
                clock.instant().plus(Duration.ofDays(40)));
        store().add("window", 77, clock.instant().plus(Duration.ofMinutes(2)));

        LimitStore restarted = new EmbeddedLimitStore(dir, new ObjectMapper(), clock);
        LimitStore.Account state = restarted.account(account);
        assertEquals(0, new BigDecimal("1.25").compareTo(state.spent()));
        assertEquals(1, state.requests());
        assertEquals(300, state.tokens());
        assertEquals(77, restarted.read("window"));
        // And the budget still holds after the restart: 1.25 spent + 8.8 > 10.
        assertEquals(true, restarted.hold(account, HoldId.create(clock.instant()), new BigDecimal("8.8"),
                new BigDecimal("10"), clock.instant().plus(Duration.ofDays(40))).isEmpty());
    }

    @Test
    void expiredWindowsReadAsZero() {
        store().add("window", 5, clock.instant().plus(Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(2));
        assertEquals(0, store().read("window"));
    }
}
