package dev.moa.store;

import dev.moa.mix.ApiKey;

import java.util.Optional;

/** Sends each kind of key reference to the resolver that reads that kind. */
public record SecretSources(SecretResolver environment, SecretResolver parameters) implements SecretResolver {

    @Override
    public Optional<String> resolve(ApiKey key) {
        return key instanceof ApiKey.FromParameter ? parameters.resolve(key) : environment.resolve(key);
    }
}
