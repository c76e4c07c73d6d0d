package dev.moa.store;

import dev.moa.mix.ApiKey;
import org.eclipse.microprofile.config.Config;

import java.util.Optional;

/**
 * Reads {@code {"env": NAME}} keys through Quarkus configuration: the environment first, which is where
 * Lambda puts them, and also a {@code .env} file in dev mode.
 */
public final class ConfigSecretResolver implements SecretResolver {

    private final Config config;

    public ConfigSecretResolver(Config config) {
        this.config = config;
    }

    @Override
    public Optional<String> resolve(ApiKey key) {
        if (key instanceof ApiKey.FromEnv env) {
            return config.getOptionalValue(env.variable(), String.class).filter(v -> !v.isBlank());
        }
        return Optional.empty();
    }
}
