package dev.moa.store;

import dev.moa.mix.ApiKey;

import java.util.Optional;

/** Turns a provider document's key reference into the key; empty when it is not set. */
public interface SecretResolver {

    Optional<String> resolve(ApiKey key);
}
