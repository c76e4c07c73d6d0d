package dev.moa.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition by checking it again and again (bounded): how a client waits for a batch. */
public final class Poll {

    private static final long POLL_INTERVAL_NANOS = 20_000_000;

    private Poll() {
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            // The condition decides; the pause only spares the shared CPU between checks.
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
    }
}
