package dev.moa.store;

import java.time.Instant;

/**
 * A raw JSON document as a store holds it.
 *
 * @param name     the mix or provider name
 * @param label    how errors name it, e.g. {@code mix "coding" (infra/mixes/coding.json)}
 * @param modified when it last changed, shown as {@code created} in the model list
 * @param version  which revision this is, as the store tells them apart: SSM's parameter version ({@code 3}), or for
 *                 a file the first 12 hex digits of its content's SHA-256 ({@code sha256:1f0c…}), which changes exactly
 *                 when the file's content does
 */
public record StoredDocument(String name, String label, String json, Instant modified, String version) {
}
