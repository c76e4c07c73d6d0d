package dev.moa.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/** Starts the fake upstream, writes a store that points at it, and points the application at that store. */
public final class UpstreamResource implements QuarkusTestResourceLifecycleManager {

    private FakeUpstream upstream;
    private TestStore store;

    @Override
    public Map<String, String> start() {
        upstream = new FakeUpstream();
        try {
            store = new TestStore(Files.createTempDirectory("moa-store"), upstream.baseUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("moa.store", "file:" + store.dir(), TestStore.KEY_VARIABLE, TestStore.SECRET_KEY);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(upstream, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeUpstream.class));
        injector.injectIntoFields(store, new TestInjector.AnnotatedAndMatchesType(Upstream.class, TestStore.class));
    }

    @Override
    public void stop() {
        if (upstream != null) {
            upstream.close();
        }
    }
}
