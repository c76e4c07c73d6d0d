package dev.moa.mix;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A position inside a JSON document that knows its own path, so every validation error can say where it is.
 */
record DocumentNode(String document, String path, JsonNode node) {

    static DocumentNode root(String document, JsonNode node) {
        DocumentNode root = new DocumentNode(document, "", node);
        if (node == null || !node.isObject()) {
            throw root.invalid("must be a JSON object");
        }
        return root;
    }

    InvalidDocumentException invalid(String problem) {
        return new InvalidDocumentException(document + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }

    DocumentNode field(String name) {
        return new DocumentNode(document, path.isEmpty() ? name : path + "." + name, node.get(name));
    }

    boolean present() {
        return node != null && !node.isNull();
    }

    /** Rejects fields the format does not define: a typo such as "temprature" must not pass silently. */
    void allowOnly(Set<String> names) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!names.contains(name)) {
                throw field(name).invalid("unknown field (allowed: " + String.join(", ", names.stream().sorted().toList()) + ")");
            }
        }
    }

    String text() {
        if (!present() || !node.isTextual()) {
            throw invalid("must be a string");
        }
        return node.textValue();
    }

    String requiredText() {
        if (!present()) {
            throw invalid("is required");
        }
        String value = text();
        if (value.isBlank()) {
            throw invalid("must not be empty");
        }
        return value;
    }

    String optionalText() {
        return present() ? text() : null;
    }

    Double optionalNumber(double min, double max) {
        if (!present()) {
            return null;
        }
        if (!node.isNumber()) {
            throw invalid("must be a number");
        }
        double value = node.doubleValue();
        if (value < min || value > max) {
            throw invalid("must be between " + min + " and " + max);
        }
        return value;
    }

    Integer optionalInt(int min, int max) {
        if (!present()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid("must be an integer");
        }
        int value = node.intValue();
        if (value < min || value > max) {
            throw invalid("must be between " + min + " and " + max);
        }
        return value;
    }

    Long optionalLong() {
        if (!present()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw invalid("must be an integer");
        }
        return node.longValue();
    }

    Boolean optionalBoolean() {
        if (!present()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw invalid("must be true or false");
        }
        return node.booleanValue();
    }

    DocumentNode object() {
        if (!present() || !node.isObject()) {
            throw invalid("must be a JSON object");
        }
        return this;
    }

    List<DocumentNode> nonEmptyArray() {
        if (!present()) {
            throw invalid("is required");
        }
        if (!node.isArray()) {
            throw invalid("must be a list");
        }
        if (node.isEmpty()) {
            throw invalid("must not be empty");
        }
        List<DocumentNode> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(new DocumentNode(document, path + "[" + i + "]", node.get(i)));
        }
        return items;
    }

    List<Map.Entry<String, DocumentNode>> entries() {
        List<Map.Entry<String, DocumentNode>> entries = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> entries.add(Map.entry(name, field(name))));
        return entries;
    }
}
