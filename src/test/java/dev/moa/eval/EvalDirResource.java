package dev.moa.eval;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fresh batch store per test class, two items at a time, and a small item limit to test it. */
public final class EvalDirResource implements QuarkusTestResourceLifecycleManager {

    static final int MAX_ITEMS = 60;
    private static volatile Path dir;

    static Path dir() {
        return dir;
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("moa-evals");
            return Map.of("moa.batch.dir", dir.toString(), "moa.batch.concurrency", "2",
                    "moa.eval.max-items", Integer.toString(MAX_ITEMS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
    }
}
