package dev.moa.mix;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A client key document: {@code {"sha256": "<hex>", "rpm": 60, "tpm": 400000, "max_cost_per_request_usd": 0.5,
 * "budget_usd": {"day": 5, "month": 100}, "mixes": ["paper-moa", "coding*"]}}, every field but {@code sha256}
 * optional. Errors name the document and the field, never a value.
 */
public final class KeyDocuments {

    private static final Set<String> FIELDS = Set.of("sha256", "rpm", "tpm", "max_cost_per_request_usd", "budget_usd",
            "mixes");
    private static final Set<String> BUDGET_FIELDS = Set.of("day", "month");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern MIX_PATTERN = Pattern.compile("[A-Za-z0-9._*:/-]+");

    /** The hash and the limits of one key. */
    public record KeyDocument(String sha256Hex, KeyLimits limits) {
    }

    private KeyDocuments() {
    }

    /**
     * The key's hash, readable even when a limit is not: callers that match the hash can then refuse that key
     * rather than let it in without its limits.
     */
    public static Optional<String> sha256(JsonNode json) {
        JsonNode hash = json == null ? null : json.get("sha256");
        return hash != null && hash.isTextual() && HEX.matcher(hash.textValue().strip()).matches()
                ? Optional.of(hash.textValue().strip().toLowerCase(java.util.Locale.ROOT)) : Optional.empty();
    }

    /** @throws InvalidDocumentException naming the document and the field */
    public static KeyDocument parse(String label, JsonNode json) {
        DocumentNode root = DocumentNode.root(label, json);
        root.allowOnly(FIELDS);
        String hash = root.field("sha256").requiredText().strip();
        if (!HEX.matcher(hash).matches()) {
            throw root.field("sha256").invalid("must be a SHA-256 hex digest (64 hex digits)");
        }
        Integer rpm = root.field("rpm").optionalInt(1, 1_000_000_000);
        Long tpm = root.field("tpm").optionalLong();
        if (tpm != null && tpm < 1) {
            throw root.field("tpm").invalid("must be at least 1");
        }
        Optional<BigDecimal> maxCost = usd(root.field("max_cost_per_request_usd"));
        Optional<BigDecimal> day = Optional.empty();
        Optional<BigDecimal> month = Optional.empty();
        DocumentNode budget = root.field("budget_usd");
        if (budget.present()) {
            budget.object().allowOnly(BUDGET_FIELDS);
            day = usd(budget.field("day"));
            month = usd(budget.field("month"));
        }
        Optional<List<String>> mixes = Optional.empty();
        DocumentNode names = root.field("mixes");
        if (names.present()) {
            if (!names.node().isArray()) {
                throw names.invalid("must be a list of mix names");
            }
            List<String> patterns = new ArrayList<>();
            for (int i = 0; i < names.node().size(); i++) {
                DocumentNode item = new DocumentNode(label, names.path() + "[" + i + "]", names.node().get(i));
                String pattern = item.requiredText();
                if (!MIX_PATTERN.matcher(pattern).matches()) {
                    throw item.invalid("must be a mix name (or provider/model), with * matching any characters");
                }
                patterns.add(pattern);
            }
            mixes = Optional.of(patterns);
        }
        return new KeyDocument(hash.toLowerCase(java.util.Locale.ROOT), new KeyLimits(Optional.ofNullable(rpm),
                Optional.ofNullable(tpm), maxCost, day, month, mixes));
    }

    private static Optional<BigDecimal> usd(DocumentNode field) {
        if (!field.present()) {
            return Optional.empty();
        }
        if (!field.node().isNumber()) {
            throw field.invalid("must be a number of US dollars");
        }
        BigDecimal value = new BigDecimal(field.node().numberValue().toString());
        if (value.signum() < 0) {
            throw field.invalid("must not be negative");
        }
        return Optional.of(value);
    }
}
