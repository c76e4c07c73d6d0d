package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Responses API's schemas from the official OpenAI OpenAPI description (vendored in
 * {@code src/test/resources/openai/responses-schemas.json}, see ATTRIBUTION.md there): the {@code response} object,
 * each stream event by its {@code type}, the {@code input_items} list.
 */
public final class ResponsesSchemas {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode VENDORED = load();
    private static final Map<String, Schema> BY_NAME = new HashMap<>();

    private ResponsesSchemas() {
    }

    private static JsonNode load() {
        try (InputStream in = ResponsesSchemas.class.getResourceAsStream("/openai/responses-schemas.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static synchronized Schema named(String name) {
        return BY_NAME.computeIfAbsent(name, n -> {
            if (!VENDORED.path("$defs").has(n)) {
                throw new IllegalArgumentException("no schema " + n);
            }
            ObjectNode root = VENDORED.deepCopy();
            root.put("$ref", "#/$defs/" + n);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root);
        });
    }

    /** The schema of the stream event whose {@code type} is {@code type} (each event schema pins its type). */
    public static Schema event(String type) {
        var defs = VENDORED.path("$defs").fields();
        while (defs.hasNext()) {
            var def = defs.next();
            JsonNode types = def.getValue().path("properties").path("type").path("enum");
            if (def.getKey().endsWith("Event") && types.size() == 1 && types.get(0).asText().equals(type)
                    && !def.getKey().startsWith("ResponsesClient")) {
                return named(def.getKey());
            }
        }
        throw new IllegalArgumentException("no event schema for " + type);
    }

    public static List<Error> errors(Schema schema, JsonNode node) {
        return schema.validate(node);
    }

    public static void assertValid(Schema schema, JsonNode node) {
        List<Error> errors = schema.validate(node);
        assertTrue(errors.isEmpty(), errors + " in " + node);
    }

    public static void assertValidResponse(JsonNode node) {
        assertValid(named("Response"), node);
    }

    public static void assertValidEvent(JsonNode event) {
        assertValid(event(event.path("type").asText()), event);
    }
}
