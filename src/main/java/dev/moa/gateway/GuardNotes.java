package dev.moa.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the guards want the answer to carry, filled in while a request is admitted and settled: response headers
 * (e.g. {@code x-ratelimit-*}) and trace entries. The adapter copies them onto its answer in its own wire's terms.
 */
public final class GuardNotes {

    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, Object> trace = new LinkedHashMap<>();

    public synchronized void headers(Map<String, String> values) {
        headers.putAll(values);
    }

    public synchronized Map<String, String> headers() {
        return Map.copyOf(headers);
    }

    public synchronized void trace(String name, Object value) {
        trace.put(name, value);
    }

    /** A trace entry, or null. */
    public synchronized Object trace(String name) {
        return trace.get(name);
    }
}
