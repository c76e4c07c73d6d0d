package dev.moa.testing;

import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the Quarkus tests that run against the fake upstream and a file store pointing at it (annotate the
 * subclass with {@code @WithTestResource(UpstreamResource.class)}). Every test starts with a clean upstream.
 */
public abstract class UpstreamTest {

    @Upstream
    protected FakeUpstream upstream;

    @Upstream
    protected TestStore store;

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
    }
}
