package dev.moa.store;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Values read from a remote store, kept for a time to live. When a refresh finds the store unavailable, the last
 * good value keeps serving (with a warning) for another TTL before the store is asked again, so a throttled SSM
 * is not hammered by every request.
 */
final class TtlCache<K, V> {

    private static final Logger LOG = Logger.getLogger(TtlCache.class);
    /** Keys come from client requests (model names): a bound keeps a flood of names from growing the heap. */
    private static final int MAX_ENTRIES = 1024;

    private record Entry<V>(V value, Instant readAt, Instant expires) {
    }

    private final Duration ttl;
    private final Clock clock;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    TtlCache(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** @throws StoreUnavailableException when the store is unavailable and no earlier value exists */
    V get(K key, Function<K, V> read) {
        Instant now = clock.instant();
        Entry<V> entry = entries.get(key);
        if (entry != null && now.isBefore(entry.expires())) {
            return entry.value();
        }
        try {
            V value = read.apply(key);
            put(key, new Entry<>(value, now, now.plus(ttl)));
            return value;
        } catch (StoreUnavailableException e) {
            if (entry == null) {
                throw e;
            }
            LOG.warnf("%s; serving the last good copy, read %d s ago", dev.moa.LogText.escape(e.getMessage()),
                    Duration.between(entry.readAt(), now).toSeconds());
            entries.put(key, new Entry<>(entry.value(), entry.readAt(), now.plus(ttl)));
            return entry.value();
        }
    }

    private void put(K key, Entry<V> entry) {
        if (entries.size() >= MAX_ENTRIES && !entries.containsKey(key)) {
            Instant now = clock.instant();
            entries.values().removeIf(e -> !now.isBefore(e.expires()));
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key, entry);
    }
}
