package dev.moa.store;

import java.time.Instant;

/** A mix as the model list shows it. */
public record MixListing(String name, String description, Instant modified) {
}
