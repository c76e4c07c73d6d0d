package dev.moa.engine;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's recent latencies per provider and model (the last {@code size} answers of each), from which a
 * percentile hedge ({@code "after_ms": "p90"}) takes its wait. One per engine, injected: instances (and tests)
 * share nothing. Whole answers and streamed first tokens are kept apart, as they measure different things.
 *
 * <p>A copy cancelled because another won is recorded with the time it had run: its real latency was at least
 * that, and leaving it out would make the window forget exactly the slow calls it is there to see.
 */
public final class LatencyWindow {

    /** What a sample measures. */
    public enum Measure {
        /** The whole answer of a call. */
        ANSWER,
        /** A streamed call's first event. */
        FIRST_TOKEN
    }

    public static final int DEFAULT_SIZE = 200;
    public static final int DEFAULT_MIN_SAMPLES = 20;

    private final int size;
    private final int minSamples;
    private final Map<String, Ring> rings = new ConcurrentHashMap<>();

    public LatencyWindow() {
        this(DEFAULT_SIZE, DEFAULT_MIN_SAMPLES);
    }

    /** @param minSamples how many samples a model needs before a percentile is given (no hedge before) */
    public LatencyWindow(int size, int minSamples) {
        if (size < 1 || minSamples < 1 || minSamples > size) {
            throw new IllegalArgumentException("size " + size + ", min samples " + minSamples);
        }
        this.size = size;
        this.minSamples = minSamples;
    }

    public void record(String provider, String model, Measure measure, Duration latency) {
        rings.computeIfAbsent(key(provider, model, measure), k -> new Ring(size)).add(latency.toNanos());
    }

    /**
     * The nearest-rank {@code percentile} of the model's recent latencies; empty until it has
     * {@code minSamples} of them.
     */
    public Optional<Duration> percentile(String provider, String model, Measure measure, int percentile) {
        Ring ring = rings.get(key(provider, model, measure));
        if (ring == null) {
            return Optional.empty();
        }
        long[] samples = ring.snapshot();
        if (samples.length < minSamples) {
            return Optional.empty();
        }
        Arrays.sort(samples);
        int rank = (int) Math.ceil(percentile / 100.0 * samples.length);
        return Optional.of(Duration.ofNanos(samples[Math.max(0, rank - 1)]));
    }

    private static String key(String provider, String model, Measure measure) {
        return provider + '\u0000' + model + '\u0000' + measure;
    }

    /** The last {@code capacity} samples, oldest overwritten first. */
    private static final class Ring {
        private final long[] samples;
        private int next;
        private int count;

        Ring(int capacity) {
            samples = new long[capacity];
        }

        synchronized void add(long nanos) {
            samples[next] = nanos;
            next = (next + 1) % samples.length;
            count = Math.min(count + 1, samples.length);
        }

        synchronized long[] snapshot() {
            return Arrays.copyOf(samples, count);
        }
    }
}
