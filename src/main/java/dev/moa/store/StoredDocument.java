package dev.moa.store;

import java.time.Instant;

/**
 * A raw JSON document as a store holds it.
 *
 * @param name     the mix or provider name
 * @param label    how errors name it, e.g. {@code mix "coding" (infra/mixes/coding.json)}
 * @param modified when it last changed, shown as {@code created} in the model list
 */
public record StoredDocument(String name, String label, String json, Instant modified) {
}
