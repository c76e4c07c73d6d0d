package dev.moa.store;

import java.util.List;
import java.util.Optional;

/**
 * Where mix and provider documents live: files in a directory, or SSM parameters under a prefix.
 *
 * @throws StoreUnavailableException (from any method) when the store cannot be read right now
 */
public interface DocumentStore {

    /** @param selector a mix name, optionally followed by {@code :version} or {@code :label} where the store has them */
    Optional<StoredDocument> mix(String selector);

    Optional<StoredDocument> provider(String name);

    /** Every mix document, for the model list. */
    List<StoredDocument> mixes();

    /** The hashes of the client keys allowed to call the API. */
    List<ClientKeyHash> clientKeyHashes();
}
