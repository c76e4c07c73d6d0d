package dev.moa.store;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a client key, as lowercase hex, and where it is stored. The key itself is stored nowhere.
 *
 * @param source where the hash lives, e.g. the SSM parameter name (for log lines; never the value)
 */
public record ClientKeyHash(String source, String sha256Hex) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    /** @return empty when the stored value is not a SHA-256 hex digest */
    static Optional<ClientKeyHash> parse(String source, String stored) {
        String value = stored == null ? "" : stored.strip().toLowerCase(Locale.ROOT);
        return HEX.matcher(value).matches() ? Optional.of(new ClientKeyHash(source, value)) : Optional.empty();
    }
}
