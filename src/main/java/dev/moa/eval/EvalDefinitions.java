package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.moa.model.MoaError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Reads {@code POST /v1/evals}: a {@code custom} data source config and the testing criteria, every template and
 * grader model checked before anything is stored. Also reads the stored criteria back into {@link Grader}s.
 */
public final class EvalDefinitions {

    private static final Set<String> CREATE_FIELDS = Set.of("name", "metadata", "data_source_config",
            "testing_criteria");
    private static final Set<String> OPERATIONS = Set.of("eq", "ne", "like", "ilike");

    private final ObjectMapper json;
    /** Checks a model name as a request would resolve it; throws the endpoint's 404 when it is unknown. */
    private final Consumer<String> modelCheck;
    // Schemas come from clients: a $ref must never make us fetch a URL.
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));

    public EvalDefinitions(ObjectMapper json, Consumer<String> modelCheck) {
        this.json = json;
        this.modelCheck = modelCheck;
    }

    public EvalObject create(JsonNode request, String id, long now) {
        if (request == null || !request.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!CREATE_FIELDS.contains(field)) {
                throw MoaError.invalidRequest(field, "Unknown parameter: '" + field + "'.");
            }
        }
        String name = optionalText(request, "name");
        JsonNode metadata = metadata(request.get("metadata"));
        JsonNode config = request.get("data_source_config");
        if (config == null || !config.isObject()) {
            throw MoaError.invalidRequest("data_source_config", "Missing required parameter: 'data_source_config'.");
        }
        String type = config.path("type").asText("");
        if (!type.equals("custom")) {
            throw MoaError.invalidRequest("data_source_config.type", "data_source_config.type must be \"custom\" "
                    + "(logs and stored_completions need OpenAI's stored traffic, which does not exist here).");
        }
        for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!Set.of("type", "item_schema", "include_sample_schema").contains(field)) {
                throw MoaError.invalidRequest("data_source_config." + field, "Unknown parameter: 'data_source_config."
                        + field + "'.");
            }
        }
        JsonNode itemSchema = config.get("item_schema");
        if (itemSchema == null || !itemSchema.isObject()) {
            throw MoaError.invalidRequest("data_source_config.item_schema", "data_source_config.item_schema must be a "
                    + "JSON Schema object.");
        }
        schema(itemSchema);
        JsonNode includeSample = config.get("include_sample_schema");
        if (includeSample != null && !includeSample.isBoolean()) {
            throw MoaError.invalidRequest("data_source_config.include_sample_schema",
                    "data_source_config.include_sample_schema must be a boolean.");
        }
        Set<String> fields = itemFields(itemSchema);
        JsonNode criteria = request.get("testing_criteria");
        if (criteria == null || !criteria.isArray()) {
            throw MoaError.invalidRequest("testing_criteria", "Missing required parameter: 'testing_criteria' (an "
                    + "array of graders).");
        }
        ArrayNode stored = json.createArrayNode();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < criteria.size(); i++) {
            ObjectNode grader = checkGrader(criteria.get(i), "testing_criteria[" + i + "]", fields);
            if (!names.add(grader.get("name").asText())) {
                throw MoaError.invalidRequest("testing_criteria[" + i + "].name", "Two testing criteria are named \""
                        + grader.get("name").asText() + "\"; names must differ.");
            }
            stored.add(grader);
        }
        ObjectNode source = json.createObjectNode().put("type", "custom");
        ObjectNode schema = source.putObject("schema").put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.set("item", itemSchema);
        ArrayNode required = schema.putArray("required").add("item");
        if (includeSample != null && includeSample.booleanValue()) {
            properties.set("sample", sampleSchema());
            required.add("sample");
        }
        return new EvalObject("eval", id, name == null ? "" : name, source, stored, now, metadata);
    }

    /** The validated item schema, compiled. */
    public Schema schema(JsonNode itemSchema) {
        try {
            return schemas.getSchema(itemSchema);
        } catch (RuntimeException e) {
            throw MoaError.invalidRequest("data_source_config.item_schema", "data_source_config.item_schema is not a "
                    + "usable JSON Schema: " + e.getMessage());
        }
    }

    /** The properties an item schema declares; null when it declares none (then any field may be used). */
    static Set<String> itemFields(JsonNode itemSchema) {
        JsonNode properties = itemSchema.get("properties");
        if (properties == null || !properties.isObject()) {
            return null;
        }
        Set<String> fields = new LinkedHashSet<>();
        properties.fieldNames().forEachRemaining(fields::add);
        return fields;
    }

    private ObjectNode checkGrader(JsonNode node, String where, Set<String> fields) {
        if (node == null || !node.isObject()) {
            throw MoaError.invalidRequest(where, where + " must be a grader object.");
        }
        String type = node.path("type").asText("");
        ObjectNode grader = node.deepCopy();
        grader.remove("id");
        String name = grader.path("name").asText("");
        if (!grader.path("name").isTextual() || name.isBlank()) {
            throw MoaError.invalidRequest(where + ".name", "Missing required parameter: '" + where + ".name'.");
        }
        switch (type) {
            case "string_check" -> {
                allowOnly(grader, where, "type", "name", "input", "reference", "operation");
                template(grader, where, "input", fields);
                template(grader, where, "reference", fields);
                if (!OPERATIONS.contains(grader.path("operation").asText())) {
                    throw MoaError.invalidRequest(where + ".operation", where + ".operation must be one of eq, ne, "
                            + "like, ilike.");
                }
            }
            case "text_similarity" -> {
                allowOnly(grader, where, "type", "name", "input", "reference", "evaluation_metric", "pass_threshold");
                template(grader, where, "input", fields);
                template(grader, where, "reference", fields);
                String metric = grader.path("evaluation_metric").asText("");
                if (!Similarity.METRICS.contains(metric)) {
                    throw MoaError.invalidRequest(where + ".evaluation_metric", where + ".evaluation_metric \"" + metric
                            + "\" is not supported here; use one of " + String.join(", ",
                            Similarity.METRICS.stream().sorted().toList()) + " (cosine needs embeddings; gleu and "
                            + "meteor are not implemented).");
                }
                number(grader, where, "pass_threshold", true, 0, 1);
            }
            case "label_model" -> {
                allowOnly(grader, where, "type", "name", "model", "input", "labels", "passing_labels");
                model(grader, where);
                messages(grader, where, fields);
                List<String> labels = strings(grader, where, "labels");
                List<String> passing = strings(grader, where, "passing_labels");
                for (String label : passing) {
                    if (!labels.contains(label)) {
                        throw MoaError.invalidRequest(where + ".passing_labels", "passing label \"" + label
                                + "\" is not one of the labels.");
                    }
                }
            }
            case "score_model" -> {
                allowOnly(grader, where, "type", "name", "model", "input", "range", "pass_threshold",
                        "sampling_params");
                model(grader, where);
                messages(grader, where, fields);
                JsonNode range = grader.get("range");
                if (range != null && !range.isNull()) {
                    if (!range.isArray() || range.size() != 2 || !range.get(0).isNumber() || !range.get(1).isNumber()
                            || range.get(0).asDouble() >= range.get(1).asDouble()) {
                        throw MoaError.invalidRequest(where + ".range", where + ".range must be two numbers, low < "
                                + "high.");
                    }
                } else {
                    grader.putArray("range").add(0).add(1);
                }
                number(grader, where, "pass_threshold", false, -Double.MAX_VALUE, Double.MAX_VALUE);
                samplingParams(grader.get("sampling_params"), where + ".sampling_params");
            }
            case "python" -> throw MoaError.invalidRequest(where + ".type", "python graders are not supported: this "
                    + "service runs no code. Use string_check, text_similarity, label_model or score_model.");
            case "multi" -> throw MoaError.invalidRequest(where + ".type", "multi graders are not supported here. "
                    + "Use string_check, text_similarity, label_model or score_model.");
            default -> throw MoaError.invalidRequest(where + ".type", "Unknown grader type \"" + type + "\"; use "
                    + "string_check, text_similarity, label_model or score_model.");
        }
        ObjectNode withId = json.createObjectNode();
        withId.put("name", name);
        withId.put("id", name + "-" + UUID.randomUUID());
        grader.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("name")) {
                withId.set(e.getKey(), e.getValue());
            }
        });
        return withId;
    }

    /** Reads stored (already checked) testing criteria. */
    public static List<Grader> graders(JsonNode criteria) {
        List<Grader> out = new ArrayList<>();
        for (JsonNode g : criteria) {
            String id = g.path("id").asText();
            String name = g.path("name").asText();
            switch (g.path("type").asText()) {
                case "string_check" -> out.add(new Grader.StringCheck(id, name, Template.parse(g.path("input").asText()),
                        Template.parse(g.path("reference").asText()), g.path("operation").asText()));
                case "text_similarity" -> out.add(new Grader.TextSimilarity(id, name,
                        Template.parse(g.path("input").asText()), Template.parse(g.path("reference").asText()),
                        g.path("evaluation_metric").asText(), g.path("pass_threshold").asDouble()));
                case "label_model" -> out.add(new Grader.LabelModel(id, name, g.path("model").asText(),
                        PromptMessage.parseAll(g.get("input"), "input"), texts(g.get("labels")),
                        texts(g.get("passing_labels"))));
                case "score_model" -> out.add(new Grader.ScoreModel(id, name, g.path("model").asText(),
                        PromptMessage.parseAll(g.get("input"), "input"), g.path("range").get(0).asDouble(),
                        g.path("range").get(1).asDouble(),
                        g.hasNonNull("pass_threshold") ? g.get("pass_threshold").asDouble() : null,
                        RunRequests.sampling(g.get("sampling_params"), "sampling_params")));
                default -> throw new IllegalStateException("stored grader of unknown type");
            }
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private void template(ObjectNode grader, String where, String field, Set<String> fields) {
        JsonNode value = grader.get(field);
        if (value == null || !value.isTextual()) {
            throw MoaError.invalidRequest(where + "." + field, "Missing required parameter: '" + where + "." + field
                    + "' (a template string).");
        }
        try {
            Template.parse(value.textValue()).check(fields, true);
        } catch (IllegalArgumentException e) {
            throw MoaError.invalidRequest(where + "." + field, where + "." + field + ": " + e.getMessage() + ".");
        }
    }

    private void messages(ObjectNode grader, String where, Set<String> fields) {
        List<PromptMessage> messages;
        try {
            messages = PromptMessage.parseAll(grader.get("input"), where + ".input");
        } catch (IllegalArgumentException e) {
            throw MoaError.invalidRequest(where + ".input", e.getMessage() + ".");
        }
        for (int i = 0; i < messages.size(); i++) {
            try {
                messages.get(i).content().check(fields, true);
            } catch (IllegalArgumentException e) {
                throw MoaError.invalidRequest(where + ".input[" + i + "].content", where + ".input[" + i
                        + "].content: " + e.getMessage() + ".");
            }
        }
    }

    private void model(ObjectNode grader, String where) {
        JsonNode model = grader.get("model");
        if (model == null || !model.isTextual() || model.textValue().isBlank()) {
            throw MoaError.invalidRequest(where + ".model", "Missing required parameter: '" + where + ".model'.");
        }
        checkModel(model.textValue(), where + ".model");
    }

    /** A model no request could use is a 400 naming where it was given. */
    void checkModel(String model, String param) {
        try {
            modelCheck.accept(model);
        } catch (MoaError e) {
            if (e.status() == 404) {
                throw new MoaError(MoaError.Kind.INVALID_REQUEST, param, "model_not_found", "The model '" + model
                        + "' is neither a mix nor a <provider>/<model> of a known provider.");
            }
            throw e;
        }
    }

    private static List<String> strings(ObjectNode grader, String where, String field) {
        JsonNode values = grader.get(field);
        if (values == null || !values.isArray() || values.isEmpty()) {
            throw MoaError.invalidRequest(where + "." + field, where + "." + field + " must be a non-empty array of "
                    + "strings.");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode v : values) {
            if (!v.isTextual() || v.textValue().isBlank()) {
                throw MoaError.invalidRequest(where + "." + field, where + "." + field + " must hold non-empty "
                        + "strings.");
            }
            out.add(v.textValue());
        }
        return out;
    }

    private static void number(ObjectNode grader, String where, String field, boolean required, double min,
                               double max) {
        JsonNode value = grader.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw MoaError.invalidRequest(where + "." + field, "Missing required parameter: '" + where + "."
                        + field + "'.");
            }
            return;
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw MoaError.invalidRequest(where + "." + field, where + "." + field + " must be a number"
                    + (min > -Double.MAX_VALUE ? " from " + min + " to " + max : "") + ".");
        }
    }

    private static void allowOnly(ObjectNode grader, String where, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> names = grader.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!ok.contains(field)) {
                throw MoaError.invalidRequest(where + "." + field, "Unknown parameter: '" + where + "." + field
                        + "'.");
            }
        }
    }

    static void samplingParams(JsonNode node, String where) {
        RunRequests.sampling(node, where);
    }

    static JsonNode metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return null;
        }
        if (!metadata.isObject() || metadata.size() > 16) {
            throw MoaError.invalidRequest("metadata", "metadata must be an object of at most 16 string values.");
        }
        for (Iterator<JsonNode> values = metadata.elements(); values.hasNext(); ) {
            JsonNode value = values.next();
            if (!value.isTextual() || value.textValue().length() > 512) {
                throw MoaError.invalidRequest("metadata", "metadata values must be strings of at most 512 "
                        + "characters.");
            }
        }
        return metadata;
    }

    static String optionalText(JsonNode request, String field) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw MoaError.invalidRequest(field, "'" + field + "' must be a string.");
        }
        return value.textValue();
    }

    private ObjectNode sampleSchema() {
        ObjectNode sample = json.createObjectNode().put("type", "object");
        ObjectNode props = sample.putObject("properties");
        props.putObject("model").put("type", "string");
        props.putObject("choices").put("type", "array");
        props.putObject("usage").put("type", "object");
        props.putObject("output_text").put("type", "string");
        sample.putArray("required").add("model").add("choices").add("output_text");
        return sample;
    }
}
