package dev.moa.mix;

/** Where a provider's key comes from. The document names the source, never the key itself. */
public sealed interface ApiKey {

    /** An environment variable (or any configuration source Quarkus reads, such as a {@code .env} file). */
    record FromEnv(String variable) implements ApiKey {
    }

    /** An SSM SecureString parameter, read with decryption. */
    record FromParameter(String name) implements ApiKey {
    }
}
