package dev.moa.engine;

import dev.moa.mix.Pricing;
import dev.moa.mix.Protocol;
import dev.moa.provider.ChatClient;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * A provider as the engine uses it: its client, its per-attempt timeout if its document sets one, and its prices
 * (each answered call is priced from its usage).
 *
 * @param protocol the wire it speaks, or {@code null} when unknown (for observers: a trace names the provider)
 * @param baseUrl  where it lives, or {@code null} (for observers: a trace names the server)
 */
public record Upstream(ChatClient client, Optional<Duration> timeout, Pricing pricing, Protocol protocol,
                       URI baseUrl) {

    public Upstream(ChatClient client, Optional<Duration> timeout, Pricing pricing) {
        this(client, timeout, pricing, null, null);
    }

    public Upstream(ChatClient client, Optional<Duration> timeout) {
        this(client, timeout, Pricing.NONE);
    }
}
