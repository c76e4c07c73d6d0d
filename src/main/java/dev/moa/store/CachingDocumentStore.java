package dev.moa.store;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A warm instance's copy of a remote store: each answer (a missing document too) is kept for the TTL, and the
 * last good answer keeps serving while the store is unavailable.
 */
public final class CachingDocumentStore implements DocumentStore {

    private final DocumentStore store;
    private final TtlCache<String, Optional<StoredDocument>> mixes;
    private final TtlCache<String, Optional<StoredDocument>> providers;
    private final TtlCache<String, List<StoredDocument>> listing;
    private final TtlCache<String, List<ClientKeyHash>> clientKeys;

    public CachingDocumentStore(DocumentStore store, Duration ttl, Clock clock) {
        this.store = store;
        this.mixes = new TtlCache<>(ttl, clock);
        this.providers = new TtlCache<>(ttl, clock);
        this.listing = new TtlCache<>(ttl, clock);
        this.clientKeys = new TtlCache<>(ttl, clock);
    }

    @Override
    public Optional<StoredDocument> mix(String selector) {
        return mixes.get(selector, store::mix);
    }

    @Override
    public Optional<StoredDocument> provider(String name) {
        return providers.get(name, store::provider);
    }

    @Override
    public List<StoredDocument> mixes() {
        return listing.get("", any -> List.copyOf(store.mixes()));
    }

    @Override
    public List<ClientKeyHash> clientKeyHashes() {
        return clientKeys.get("", any -> List.copyOf(store.clientKeyHashes()));
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
