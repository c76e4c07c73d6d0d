package dev.moa.provider;

import dev.moa.mix.ProviderConfig;

import java.util.Optional;

/** Makes the client for a provider document, given its resolved key. */
public interface ChatClients {

    ChatClient forProvider(ProviderConfig provider, Optional<String> apiKey);
}
