package dev.moa.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.mix.KeyDocuments;
import dev.moa.mix.KeyLimits;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a client key, as lowercase hex, where it is stored and what the key may do. The key itself is
 * stored nowhere. The stored value is the bare hex (no limits) or a key document ({@link KeyDocuments}).
 *
 * @param source  where the hash lives, e.g. the SSM parameter name (for log lines; never the value)
 * @param limits  the key document's limits; {@link KeyLimits#NONE} for a bare hex
 * @param problem why the key document is invalid, when it is: the key is then refused, never let in without its
 *                limits
 */
public record ClientKeyHash(String source, String sha256Hex, KeyLimits limits, Optional<String> problem) {

    private static final Logger LOG = Logger.getLogger(ClientKeyHash.class);
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    /** Only reads trees; never configured after construction. */
    private static final ObjectMapper JSON = new ObjectMapper();

    public ClientKeyHash(String source, String sha256Hex) {
        this(source, sha256Hex, KeyLimits.NONE, Optional.empty());
    }

    /** The key's name, which its limits are counted under: the last part of its parameter or file name. */
    public String name() {
        return nameOf(source);
    }

    private static String nameOf(String source) {
        String name = source.substring(source.lastIndexOf('/') + 1);
        return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    }

    /**
     * @return empty, with a warning naming the source (never the value), when the stored value is neither a SHA-256
     *         hex digest nor a key document whose hash can be read
     */
    static Optional<ClientKeyHash> parse(String source, String stored) {
        String value = stored == null ? "" : stored.strip();
        if (value.startsWith("{")) {
            return document(source, value);
        }
        value = value.toLowerCase(Locale.ROOT);
        if (!HEX.matcher(value).matches()) {
            LOG.warnf("ignoring client key %s: it must hold a SHA-256 hex digest or a key document", source);
            return Optional.empty();
        }
        return Optional.of(new ClientKeyHash(source, value));
    }

    private static Optional<ClientKeyHash> document(String source, String value) {
        JsonNode json;
        try {
            json = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            LOG.warnf("ignoring client key %s: its key document is not JSON", source);
            return Optional.empty();
        }
        String label = "client key \"" + nameOf(source) + "\"";
        try {
            KeyDocuments.KeyDocument document = KeyDocuments.parse(label, json);
            return Optional.of(new ClientKeyHash(source, document.sha256Hex(), document.limits(), Optional.empty()));
        } catch (InvalidDocumentException e) {
            Optional<String> hash = KeyDocuments.sha256(json);
            LOG.warnf("client key %s has an invalid key document: %s", source, e.getMessage());
            return hash.map(h -> new ClientKeyHash(source, h, KeyLimits.NONE, Optional.of(e.getMessage())));
        }
    }
}
