package dev.moa.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.ProviderConfig;
import dev.moa.provider.anthropic.AnthropicChatClient;
import dev.moa.provider.bedrock.BedrockClients;
import dev.moa.provider.openai.OpenAiChatClient;
import dev.moa.provider.openai.OpenAiStreaming;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Builds protocol clients: {@code openai} and {@code anthropic} on one shared {@link UpstreamHttp} (Vert.x' client,
 * bodies read with the provider's {@code max_response_bytes}), {@code bedrock} on the AWS SDK (bounded likewise).
 * Connections are pooled and reused across requests by a warm instance; keys are per-call headers, so a rotated key
 * needs no new pool.
 */
@ApplicationScoped
public class RestChatClients implements ChatClients {

    private static final long CONNECT_TIMEOUT_MS = 5_000;

    private final ObjectMapper json;
    /** The OpenAI and Anthropic protocols read bodies with a size limit on Vert.x' client (see {@link UpstreamHttp}). */
    private final UpstreamHttp http;
    /** Streamed calls: Vert.x' client as well, read as they arrive (see {@link OpenAiStreaming}). */
    private final io.vertx.core.http.HttpClient streamingHttp;
    /** Bedrock is reached through the AWS SDK (SigV4, event-stream decoding), not the REST client. */
    private final BedrockClients bedrock = new BedrockClients();

    public RestChatClients(ObjectMapper json, Vertx vertx) {
        this.json = json;
        this.http = new UpstreamHttp(vertx);
        this.streamingHttp = vertx.createHttpClient(new HttpClientOptions()
                .setTracingPolicy(io.vertx.core.tracing.TracingPolicy.IGNORE)
                .setConnectTimeout((int) CONNECT_TIMEOUT_MS).setTcpNoDelay(true).setKeepAlive(true));
    }

    @PreDestroy
    void close() {
        bedrock.close();
    }

    @Override
    public ChatClient forProvider(ProviderConfig provider, Optional<String> apiKey, Redactor redactor) {
        return switch (provider.protocol()) {
            case OPENAI -> new OpenAiChatClient(http, provider.baseUrl(), provider.headers(), apiKey, json, redactor,
                    provider.maxResponseBytes(), new OpenAiStreaming(streamingHttp, provider.baseUrl(), provider.headers(),
                    json, provider.maxResponseBytes()));
            case ANTHROPIC -> new AnthropicChatClient(http, provider.baseUrl(), provider.headers(), apiKey, json,
                    provider.maxTokens().orElse(dev.moa.mix.MixDocuments.DEFAULT_ANTHROPIC_MAX_TOKENS),
                    provider.maxResponseBytes(), redactor);
            case BEDROCK -> bedrock.forProvider(provider);
        };
    }
}
