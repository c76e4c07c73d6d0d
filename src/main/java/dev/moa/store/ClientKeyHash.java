package dev.moa.store;

import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a client key, as lowercase hex, and where it is stored. The key itself is stored nowhere.
 *
 * @param source where the hash lives, e.g. the SSM parameter name (for log lines; never the value)
 */
public record ClientKeyHash(String source, String sha256Hex) {

    private static final Logger LOG = Logger.getLogger(ClientKeyHash.class);
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    /**
     * @return empty, with a warning naming the source (never the value), when the stored value is not a SHA-256
     *         hex digest
     */
    static Optional<ClientKeyHash> parse(String source, String stored) {
        String value = stored == null ? "" : stored.strip().toLowerCase(Locale.ROOT);
        if (!HEX.matcher(value).matches()) {
            LOG.warnf("ignoring client key %s: it must hold a SHA-256 hex digest", source);
            return Optional.empty();
        }
        return Optional.of(new ClientKeyHash(source, value));
    }
}
