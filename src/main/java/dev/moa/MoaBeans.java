package dev.moa;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.MixEngine;
import dev.moa.engine.ReferenceInjector;
import dev.moa.engine.RetryPolicy;
import dev.moa.store.ConfigSecretResolver;
import dev.moa.store.DocumentStore;
import dev.moa.store.FileDocumentStore;
import dev.moa.store.MixCatalog;
import dev.moa.store.SecretResolver;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Wires the plain-Java core (store, catalog, engine) from configuration. */
public class MoaBeans {

    /** Made at startup, so a bad {@code moa.store} fails the function's init rather than its first request. */
    @Produces
    @Singleton
    @Startup
    DocumentStore documentStore(MoaConfig config) {
        String store = config.store();
        if (store.startsWith("file:")) {
            return new FileDocumentStore(Path.of(store.substring("file:".length())));
        }
        throw new IllegalArgumentException("moa.store must be file:<dir>, found \"" + store + "\"");
    }

    @Produces
    @Singleton
    MixCatalog mixCatalog(DocumentStore store, ObjectMapper json) {
        return new MixCatalog(store, json);
    }

    @Produces
    @Singleton
    SecretResolver secretResolver(Config config) {
        return new ConfigSecretResolver(config);
    }

    @Produces
    @Singleton
    MixEngine mixEngine() {
        return new MixEngine(RetryPolicy.DEFAULT, new ReferenceInjector(ThreadLocalRandom::current));
    }
}
