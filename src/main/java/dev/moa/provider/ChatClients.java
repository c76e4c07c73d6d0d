package dev.moa.provider;

import dev.moa.mix.ProviderConfig;

import java.util.Optional;

/** Makes the client for a provider document, given its resolved key. */
public interface ChatClients {

    /**
     * @param redactor the request's secrets: whatever the client reports from the upstream is redacted with it
     *                 before it is shortened or passed on
     */
    ChatClient forProvider(ProviderConfig provider, Optional<String> apiKey, Redactor redactor);

    /** A client whose reports are redacted of its own key only. */
    default ChatClient forProvider(ProviderConfig provider, Optional<String> apiKey) {
        return forProvider(provider, apiKey, Redactor.of(apiKey));
    }
}
