package dev.moa.store;

import dev.moa.mix.ApiKey;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads {@code {"parameter": NAME}} keys: SecureString parameters, decrypted, kept for the TTL and served from the
 * last good copy while SSM is unavailable.
 */
public final class ParameterSecretResolver implements SecretResolver {

    private final Supplier<SsmClient> ssm;
    private final TtlCache<String, Optional<String>> values;

    /** @param ssm asked only when a parameter key is first needed, so file stores without one need no AWS set-up */
    public ParameterSecretResolver(Supplier<SsmClient> ssm, Duration ttl, Clock clock) {
        this.ssm = ssm;
        this.values = new TtlCache<>(ttl, clock);
    }

    /** @throws StoreUnavailableException when SSM cannot be read and the key was never read before */
    @Override
    public Optional<String> resolve(ApiKey key) {
        if (key instanceof ApiKey.FromParameter parameter) {
            return values.get(parameter.name(), this::read);
        }
        return Optional.empty();
    }

    private Optional<String> read(String name) {
        SsmClient client;
        try {
            client = ssm.get();
        } catch (RuntimeException e) {
            // e.g. no region configured: a file store that names a parameter key on a machine without AWS set-up
            throw new StoreUnavailableException("no SSM client to read " + name + ": " + e.getClass().getSimpleName());
        }
        try {
            String value = client.getParameter(r -> r.name(name).withDecryption(true)).parameter().value();
            return Optional.ofNullable(value).filter(v -> !v.isBlank());
        } catch (ParameterNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw StoreUnavailableException.reading(name, e);
        }
    }
}
