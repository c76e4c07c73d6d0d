package dev.moa.provider.bedrock;

import dev.moa.mix.ProviderConfig;
import dev.moa.provider.ChatClient;
import dev.moa.provider.UpstreamFailure;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClientBuilder;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bedrock Runtime clients, one per region, endpoint and {@code max_response_bytes}, all on one Netty HTTP client (one
 * connection pool, one event loop), each reading bodies within its limit ({@link BoundedHttpClient}). Credentials come from the SDK's default chain (on Lambda the function's role); the endpoint is the
 * document's {@code base_url}, else the SDK's own resolution, which honours {@code AWS_ENDPOINT_URL_BEDROCK_RUNTIME}.
 */
public final class BedrockClients implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The engine bounds each attempt; the socket must not cut a long answer first. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(15);

    private record Endpoint(Optional<String> region, Optional<URI> url, long maxResponseBytes) {
    }

    private final Map<Endpoint, BedrockRuntimeAsyncClient> clients = new ConcurrentHashMap<>();
    private volatile SdkAsyncHttpClient http;

    public ChatClient forProvider(ProviderConfig provider) {
        Endpoint endpoint = new Endpoint(provider.region(), Optional.ofNullable(provider.baseUrl()),
                provider.maxResponseBytes());
        BedrockRuntimeAsyncClient client;
        try {
            client = clients.computeIfAbsent(endpoint, this::build);
        } catch (SdkClientException | IllegalArgumentException e) {
            // Typically no region: only this provider's agents fail, with a message saying what to set.
            UpstreamFailure notConfigured = UpstreamFailure.notConfigured("provider \"" + provider.name()
                    + "\" (bedrock) cannot be called: " + e.getMessage()
                    + " (set \"region\" in the provider document or AWS_REGION)");
            return call -> Uni.createFrom().failure(notConfigured);
        }
        return new BedrockChatClient(client, provider.maxTokens());
    }

    private BedrockRuntimeAsyncClient build(Endpoint endpoint) {
        BedrockRuntimeAsyncClientBuilder builder = BedrockRuntimeAsyncClient.builder()
                .httpClient(new BoundedHttpClient(http(), endpoint.maxResponseBytes()))
                // One attempt per call: the engine's RetryPolicy, deadline and fallbacks decide what happens next.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        endpoint.region().map(Region::of).ifPresent(builder::region);
        endpoint.url().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private synchronized SdkAsyncHttpClient http() {
        if (http == null) {
            http = NettyNioAsyncHttpClient.builder()
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .readTimeout(READ_TIMEOUT)
                    .writeTimeout(READ_TIMEOUT)
                    .build();
        }
        return http;
    }

    @Override
    public void close() {
        clients.values().forEach(BedrockRuntimeAsyncClient::close);
        clients.clear();
        SdkAsyncHttpClient client = http;
        if (client != null) {
            client.close();
        }
    }
}
