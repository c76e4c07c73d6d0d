package dev.moa.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a request's {@code Authorization: Bearer <key>} names a client key: one whose SHA-256 hex is
 * among the store's client-key hashes. The plain key is never kept, logged or compared as text.
 */
public final class ClientKeys {

    public enum Verdict { ACCEPTED, MISSING, INVALID }

    private static final String BEARER = "bearer ";

    private final DocumentStore store;
    private final boolean required;

    public ClientKeys(DocumentStore store, boolean required) {
        this.store = store;
        this.required = required;
    }

    public boolean required() {
        return required;
    }

    /**
     * @param authorization the Authorization header, or null
     * @throws StoreUnavailableException when the hashes cannot be read and none were read before
     */
    public Verdict check(String authorization) {
        if (!required) {
            return Verdict.ACCEPTED;
        }
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            return Verdict.MISSING;
        }
        String key = authorization.substring(BEARER.length()).strip();
        if (key.isEmpty()) {
            return Verdict.MISSING;
        }
        byte[] presented = sha256Hex(key).getBytes(StandardCharsets.US_ASCII);
        // Every hash is compared, each in constant time, so timing tells nothing about which one (if any) matched.
        boolean match = false;
        for (ClientKeyHash hash : store.clientKeyHashes()) {
            match |= MessageDigest.isEqual(presented, hash.sha256Hex().getBytes(StandardCharsets.US_ASCII));
        }
        return match ? Verdict.ACCEPTED : Verdict.INVALID;
    }

    /**
     * The stored key that {@code authorization} names, whether or not keys are required: its limits apply to the
     * request. Empty for no key, or one that is not stored.
     *
     * @throws StoreUnavailableException when the hashes cannot be read and none were read before
     */
    public Optional<ClientKeyHash> identify(String authorization) {
        if (authorization == null || !authorization.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
            return Optional.empty();
        }
        return identifyKey(authorization.substring(BEARER.length()));
    }

    /** The stored key that {@code key} (as presented, without {@code Bearer}) is; empty for none. */
    public Optional<ClientKeyHash> identifyKey(String key) {
        key = key == null ? "" : key.strip();
        if (key.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = sha256Hex(key).getBytes(StandardCharsets.US_ASCII);
        ClientKeyHash found = null;
        for (ClientKeyHash hash : store.clientKeyHashes()) {
            if (MessageDigest.isEqual(presented, hash.sha256Hex().getBytes(StandardCharsets.US_ASCII))) {
                found = hash;
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * The stored key of that name, as stored now (its limits as they are today): how a batch line or an eval run is
     * charged to the key that created it, which is recorded by name, never as the key itself. Empty when no longer
     * stored.
     */
    public Optional<ClientKeyHash> named(String name) {
        ClientKeyHash found = null;
        for (ClientKeyHash hash : store.clientKeyHashes()) {
            if (hash.name().equals(name)) {
                found = hash;
            }
        }
        return Optional.ofNullable(found);
    }

    public static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
