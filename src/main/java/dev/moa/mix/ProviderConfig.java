package dev.moa.mix;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A provider document: where a model family lives, how to authenticate to it and what its models cost.
 *
 * @param baseUrl   where the protocol's endpoints live; for {@code bedrock} the endpoint override, or null for the
 *                  SDK's own resolution (the region's endpoint, or {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME})
 * @param region    {@code bedrock} only: the AWS region; empty = the environment's ({@code AWS_REGION})
 * @param maxTokens the {@code max_tokens} sent when neither the mix nor the client sets one ({@code anthropic},
 *                  which requires it, and {@code bedrock})
 * @param pricing   USD per million tokens by model; models without a price have an unknown cost
 * @param maxResponseBytes the most bytes of one answer we read ({@code max_response_bytes}); more is that call's
 *                  failure ({@code response_too_large})
 */
public record ProviderConfig(
        String name,
        Protocol protocol,
        URI baseUrl,
        Optional<ApiKey> apiKey,
        Map<String, String> headers,
        Optional<Duration> timeout,
        Optional<String> region,
        Optional<Integer> maxTokens,
        Pricing pricing,
        long maxResponseBytes) {

    /** {@code max_response_bytes} when the document sets none: far above any real chat answer, far below 256 MB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 4L * 1024 * 1024;

    public ProviderConfig {
        headers = Map.copyOf(headers);
    }

    /** An OpenAI-protocol style document without region, default max_tokens or prices. */
    public ProviderConfig(String name, Protocol protocol, URI baseUrl, Optional<ApiKey> apiKey,
                          Map<String, String> headers, Optional<Duration> timeout) {
        this(name, protocol, baseUrl, apiKey, headers, timeout, Optional.empty(), Optional.empty(), Pricing.NONE);
    }

    /** Without a {@code max_response_bytes}: the default. */
    public ProviderConfig(String name, Protocol protocol, URI baseUrl, Optional<ApiKey> apiKey,
                          Map<String, String> headers, Optional<Duration> timeout, Optional<String> region,
                          Optional<Integer> maxTokens, Pricing pricing) {
        this(name, protocol, baseUrl, apiKey, headers, timeout, region, maxTokens, pricing, DEFAULT_MAX_RESPONSE_BYTES);
    }
}
