package dev.moa.engine;

import dev.moa.provider.ChatClient;

import java.time.Duration;
import java.util.Optional;

/** A provider as the engine uses it: its client and, if its document sets one, its per-attempt timeout. */
public record Upstream(ChatClient client, Optional<Duration> timeout) {
}
