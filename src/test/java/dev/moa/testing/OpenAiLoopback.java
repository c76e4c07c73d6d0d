package dev.moa.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.provider.Redactor;
import dev.moa.provider.UpstreamHttp;
import dev.moa.provider.openai.OpenAiChatClient;
import dev.moa.provider.openai.OpenAiStreaming;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAI chat client on a Vert.x of its own, talking over loopback to a {@link FakeUpstream}: what the engine
 * and streaming tests drive without Quarkus. Closing it closes the upstream and the Vert.x.
 */
public final class OpenAiLoopback implements AutoCloseable {

    private final Vertx vertx;
    private final FakeUpstream upstream;
    private final OpenAiChatClient client;

    private OpenAiLoopback(Map<String, String> headers, Optional<String> apiKey, long maxBytes) {
        vertx = Vertx.vertx();
        upstream = new FakeUpstream();
        ObjectMapper json = new ObjectMapper();
        URI baseUrl = URI.create(upstream.baseUrl());
        OpenAiStreaming streaming = new OpenAiStreaming(vertx.createHttpClient(new HttpClientOptions()), baseUrl,
                headers, json, maxBytes);
        client = new OpenAiChatClient(new UpstreamHttp(vertx), baseUrl, headers, apiKey, json, Redactor.of(apiKey),
                maxBytes, streaming);
    }

    /** A client sending {@code headers} (and the key as a bearer token, if any), reading at most maxBytes. */
    public static OpenAiLoopback start(Map<String, String> headers, Optional<String> apiKey, long maxBytes) {
        return new OpenAiLoopback(headers, apiKey, maxBytes);
    }

    public FakeUpstream upstream() {
        return upstream;
    }

    public OpenAiChatClient client() {
        return client;
    }

    @Override
    public void close() {
        upstream.close();
        vertx.close();
    }
}
