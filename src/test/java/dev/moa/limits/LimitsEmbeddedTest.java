package dev.moa.limits;

import dev.moa.testing.LimitsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Client-key limits on the embedded store. */
@QuarkusTest
@TestProfile(LimitsClockProfile.class)
@WithTestResource(LimitsResource.class)
class LimitsEmbeddedTest extends LimitsApiContract {
}
