package dev.moa.limits;

import dev.moa.testing.ManualClock;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.time.Clock;

/** The limits' clock as a {@link ManualClock}, selected only by {@link LimitsClockProfile}: windows move on demand. */
@Alternative
public class TestLimitsClock {

    @Produces
    @Singleton
    @Named("limits")
    Clock clock() {
        return new ManualClock();
    }
}
