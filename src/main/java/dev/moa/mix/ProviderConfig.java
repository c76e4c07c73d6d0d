package dev.moa.mix;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A provider document: where a model family lives and how to authenticate to it. */
public record ProviderConfig(
        String name,
        Protocol protocol,
        URI baseUrl,
        Optional<ApiKey> apiKey,
        Map<String, String> headers,
        Optional<Duration> timeout) {

    public ProviderConfig {
        headers = Map.copyOf(headers);
    }
}
