package dev.moa.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.ProviderConfig;
import dev.moa.provider.openai.OpenAiChatClient;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Builds protocol clients on one shared {@link UpstreamHttp} (Vert.x' client: connections pooled per host and
 * reused across requests by a warm instance). Keys are per-call headers, so a rotated key needs no new pool.
 */
@ApplicationScoped
public class RestChatClients implements ChatClients {

    private final ObjectMapper json;
    private final UpstreamHttp http;

    public RestChatClients(ObjectMapper json, Vertx vertx) {
        this.json = json;
        this.http = new UpstreamHttp(vertx);
    }

    @Override
    public ChatClient forProvider(ProviderConfig provider, Optional<String> apiKey, Redactor redactor) {
        return switch (provider.protocol()) {
            case OPENAI -> new OpenAiChatClient(http, provider.baseUrl(), provider.headers(), apiKey, json, redactor,
                    provider.maxResponseBytes());
        };
    }
}
