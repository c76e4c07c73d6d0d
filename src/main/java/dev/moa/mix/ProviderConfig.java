package dev.moa.mix;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A provider document: where a model family lives and how to authenticate to it.
 *
 * @param maxResponseBytes the most bytes of one answer we read ({@code max_response_bytes}); more is that call's
 *                         failure ({@code response_too_large})
 */
public record ProviderConfig(
        String name,
        Protocol protocol,
        URI baseUrl,
        Optional<ApiKey> apiKey,
        Map<String, String> headers,
        Optional<Duration> timeout,
        long maxResponseBytes) {

    /** {@code max_response_bytes} when the document sets none: far above any real chat answer, far below 256 MB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 4L * 1024 * 1024;

    public ProviderConfig {
        headers = Map.copyOf(headers);
    }

    public ProviderConfig(String name, Protocol protocol, URI baseUrl, Optional<ApiKey> apiKey,
                          Map<String, String> headers, Optional<Duration> timeout) {
        this(name, protocol, baseUrl, apiKey, headers, timeout, DEFAULT_MAX_RESPONSE_BYTES);
    }
}
