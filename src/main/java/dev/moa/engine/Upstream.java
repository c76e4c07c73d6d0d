package dev.moa.engine;

import dev.moa.mix.Pricing;
import dev.moa.provider.ChatClient;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider as the engine uses it: its client, its per-attempt timeout if its document sets one, and its prices
 * (each answered call is priced from its usage).
 */
public record Upstream(ChatClient client, Optional<Duration> timeout, Pricing pricing) {

    public Upstream(ChatClient client, Optional<Duration> timeout) {
        this(client, timeout, Pricing.NONE);
    }
}
