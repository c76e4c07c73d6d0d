package dev.moa.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file store in a temporary directory, whose providers point at the fake upstream. */
public final class TestStore {

    /** The key the "fake" provider reads from configuration; it must reach the upstream and nowhere else. */
    public static final String SECRET_KEY = "sk-test-5f3c9a1e-never-show-me";
    public static final String KEY_VARIABLE = "FAKE_UPSTREAM_KEY";

    private final Path dir;

    public TestStore(Path dir, String upstreamBaseUrl) {
        this.dir = dir;
        provider("fake", "{\"protocol\":\"openai\",\"base_url\":\"" + upstreamBaseUrl
                + "\",\"api_key\":{\"env\":\"" + KEY_VARIABLE + "\"},\"headers\":{\"X-Team\":\"moa-tests\"}}");
        provider("fake-open", "{\"protocol\":\"openai\",\"base_url\":\"" + upstreamBaseUrl + "\"}");
        provider("fake-quick", "{\"protocol\":\"openai\",\"base_url\":\"" + upstreamBaseUrl
                + "\",\"timeout_ms\":300}");
        provider("fake-unset-key", "{\"protocol\":\"openai\",\"base_url\":\"" + upstreamBaseUrl
                + "\",\"api_key\":{\"env\":\"MOA_TEST_KEY_THAT_IS_NOT_SET\"}}");
    }

    public Path dir() {
        return dir;
    }

    public void provider(String name, String json) {
        write(dir.resolve("providers").resolve(name + ".json"), json);
    }

    public void mix(String name, String json) {
        write(dir.resolve("mixes").resolve(name + ".json"), json);
    }

    private static void write(Path file, String json) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
