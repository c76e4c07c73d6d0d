package dev.moa.store;

import dev.moa.mix.Mix;
import dev.moa.mix.ProviderConfig;

import java.time.Instant;
import java.util.Map;

/** A validated mix with every provider it names. */
public record ResolvedMix(Mix mix, Map<String, ProviderConfig> providers, Instant modified) {

    public ResolvedMix {
        providers = Map.copyOf(providers);
    }
}
