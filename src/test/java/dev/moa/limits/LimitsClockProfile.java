package dev.moa.limits;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Set;

/** Runs the application with {@link TestLimitsClock}. */
public class LimitsClockProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestLimitsClock.class);
    }
}
