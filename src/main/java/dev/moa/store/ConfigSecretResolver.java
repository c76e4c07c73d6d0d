package dev.moa.store;

import dev.moa.mix.ApiKey;
import org.eclipse.microprofile.config.Config;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads {@code {"env": NAME}} keys through Quarkus configuration: the environment first, which is where
 * Lambda puts them, and also a {@code .env} file in dev mode. Each variable is looked up once: its sources are read
 * when the application starts (dev mode restarts it when {@code .env} changes), and a lookup through every config
 * source and interceptor is paid per provider on every request otherwise.
 */
public final class ConfigSecretResolver implements SecretResolver {

    private final Config config;
    /** Bounded by the variable names mix documents name. */
    private final Map<String, Optional<String>> resolved = new ConcurrentHashMap<>();

    public ConfigSecretResolver(Config config) {
        this.config = config;
    }

    @Override
    public Optional<String> resolve(ApiKey key) {
        if (key instanceof ApiKey.FromEnv env) {
            return resolved.computeIfAbsent(env.variable(),
                    name -> config.getOptionalValue(name, String.class).filter(v -> !v.isBlank()));
        }
        return Optional.empty();
    }
}
