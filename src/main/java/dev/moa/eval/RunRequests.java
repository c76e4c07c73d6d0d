package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import dev.moa.batch.BatchFiles;
import dev.moa.batch.FileObject;
import dev.moa.model.MoaError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads {@code POST /v1/evals/{id}/runs} with a {@code completions} data source: the items (inline or an uploaded
 * JSONL file), each checked against the eval's item schema; the input messages; the model; the sampling params.
 * Everything is checked before the run is stored, so a bad request leaves nothing behind.
 */
public final class RunRequests {

    private static final Set<String> RUN_FIELDS = Set.of("name", "metadata", "data_source");
    private static final Set<String> SOURCE_FIELDS = Set.of("type", "source", "input_messages", "model",
            "sampling_params");
    private static final Set<String> SAMPLING_FIELDS = Set.of("temperature", "max_completion_tokens", "max_tokens",
            "top_p", "seed");

    /** How the sample's messages are made from an item. */
    public sealed interface Input {
        /** {@code template}: these messages, filled from the item. */
        record Templated(List<PromptMessage> messages) implements Input {
        }

        /** {@code item_reference}: the item's field at this path holds the messages. */
        record ItemReference(List<String> path) implements Input {
        }
    }

    /** An item as read, with where it is in the request ({@code param}: its index, or its line in the file). */
    private record SourceItem(JsonNode item, String param) {
    }

    /** A checked run request. */
    public record Plan(String name, String model, JsonNode metadata, JsonNode dataSource, List<JsonNode> items) {
    }

    private final ObjectMapper json;
    private final BatchFiles files;
    private final EvalDefinitions definitions;
    private final int maxItems;

    public RunRequests(ObjectMapper json, BatchFiles files, EvalDefinitions definitions, int maxItems) {
        this.json = json;
        this.files = files;
        this.definitions = definitions;
        this.maxItems = maxItems;
    }

    public Plan read(JsonNode request, EvalObject eval) {
        if (request == null || !request.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        allowOnly(request, RUN_FIELDS, "");
        String name = EvalDefinitions.optionalText(request, "name");
        JsonNode metadata = EvalDefinitions.metadata(request.get("metadata"));
        JsonNode source = request.get("data_source");
        if (source == null || !source.isObject()) {
            throw MoaError.invalidRequest("data_source", "Missing required parameter: 'data_source'.");
        }
        if (!"completions".equals(source.path("type").asText())) {
            throw MoaError.invalidRequest("data_source.type", "data_source.type must be \"completions\": each item's "
                    + "sample is what /v1/chat/completions answers (jsonl with ready samples and responses are not "
                    + "supported here).");
        }
        allowOnly(source, SOURCE_FIELDS, "data_source.");
        JsonNode model = source.get("model");
        if (model == null || !model.isTextual() || model.textValue().isBlank()) {
            throw MoaError.invalidRequest("data_source.model", "Missing required parameter: 'data_source.model' (a "
                    + "mix, or <provider>/<model>).");
        }
        definitions.checkModel(model.textValue(), "data_source.model");
        sampling(source.get("sampling_params"), "data_source.sampling_params");
        Set<String> fields = EvalDefinitions.itemFields(eval.itemSchema());
        input(source.get("input_messages"), fields);
        List<SourceItem> sourced = items(source.get("source"));
        List<JsonNode> items = sourced.stream().map(SourceItem::item).toList();
        if (items.isEmpty()) {
            throw MoaError.invalidRequest("data_source.source", "The data source holds no items.");
        }
        if (items.size() > maxItems) {
            throw new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source", "too_many_items", "The data "
                    + "source holds " + items.size() + " items; a run takes at most " + maxItems
                    + " (moa.eval.max-items).");
        }
        Schema schema = definitions.schema(eval.itemSchema());
        for (int i = 0; i < items.size(); i++) {
            List<Error> errors = schema.validate(items.get(i));
            if (!errors.isEmpty()) {
                String at = sourced.get(i).param();
                throw new MoaError(MoaError.Kind.INVALID_REQUEST, at, "invalid_item", "Item " + i + " (" + at
                        + ") does not match the eval's item_schema: " + errors.stream().limit(5)
                        .map(RunRequests::located).collect(Collectors.joining("; ")));
            }
        }
        return new Plan(name == null ? model.textValue() : name, model.textValue(), metadata, source, items);
    }

    /** A schema error with the JSON Pointer of the value inside the item it is about ({@code /} the item itself). */
    private static String located(Error error) {
        String pointer = String.valueOf(error.getInstanceLocation());
        return "at " + (pointer.isEmpty() ? "/" : pointer) + ": " + error.getMessage();
    }

    /** The input messages, checked against the item's fields; read again from a stored run. */
    public static Input input(JsonNode node, Set<String> fields) {
        if (node == null || !node.isObject()) {
            throw MoaError.invalidRequest("data_source.input_messages", "Missing required parameter: "
                    + "'data_source.input_messages' (a template, or an item_reference).");
        }
        String type = node.path("type").asText("");
        if (type.equals("template")) {
            List<PromptMessage> messages;
            try {
                messages = PromptMessage.parseAll(node.get("template"), "data_source.input_messages.template");
                for (PromptMessage m : messages) {
                    m.content().check(fields, false);
                }
            } catch (IllegalArgumentException e) {
                throw MoaError.invalidRequest("data_source.input_messages.template", e.getMessage() + ".");
            }
            return new Input.Templated(messages);
        }
        if (type.equals("item_reference")) {
            String reference = node.path("item_reference").asText("");
            Template.Variable variable;
            try {
                List<Template.Variable> found = Template.parse("{{" + reference + "}}").variables();
                variable = found.size() == 1 ? found.get(0) : null;
            } catch (IllegalArgumentException e) {
                variable = null;
            }
            if (variable == null || !variable.namespace().equals("item")) {
                throw MoaError.invalidRequest("data_source.input_messages.item_reference", "item_reference must name "
                        + "an item field holding the messages, e.g. \"item.messages\".");
            }
            if (fields != null && !fields.contains(variable.path().get(0))) {
                throw MoaError.invalidRequest("data_source.input_messages.item_reference", "unknown template "
                        + "variable {{" + reference + "}}: the item schema has no property \"" + variable.path().get(0)
                        + "\".");
            }
            return new Input.ItemReference(variable.path());
        }
        throw MoaError.invalidRequest("data_source.input_messages.type", "data_source.input_messages.type must be "
                + "\"template\" or \"item_reference\".");
    }

    /** {@code sampling_params}: temperature, max_completion_tokens (or max_tokens), top_p, seed. */
    public static Grader.Sampling sampling(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Grader.Sampling.NONE;
        }
        if (!node.isObject()) {
            throw MoaError.invalidRequest(where, where + " must be an object.");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!SAMPLING_FIELDS.contains(field) && !node.get(field).isNull()) {
                throw MoaError.invalidRequest(where + "." + field, where + "." + field + " is not supported here; "
                        + "use temperature, max_completion_tokens, top_p or seed.");
            }
        }
        Double temperature = number(node, "temperature", where, 0, 2);
        Double topP = number(node, "top_p", where, 0, 1);
        JsonNode max = node.hasNonNull("max_completion_tokens") ? node.get("max_completion_tokens")
                : node.get("max_tokens");
        Integer maxTokens = null;
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.intValue() < 1) {
                throw MoaError.invalidRequest(where + ".max_completion_tokens", where
                        + ".max_completion_tokens must be a positive integer.");
            }
            maxTokens = max.intValue();
        }
        JsonNode seed = node.get("seed");
        Long seedValue = null;
        if (seed != null && !seed.isNull()) {
            if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
                throw MoaError.invalidRequest(where + ".seed", where + ".seed must be an integer.");
            }
            seedValue = seed.longValue();
        }
        return new Grader.Sampling(temperature, maxTokens, topP, seedValue);
    }

    private static Double number(JsonNode node, String field, String where, double min, double max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw MoaError.invalidRequest(where + "." + field, where + "." + field + " must be a number from " + min
                    + " to " + max + ".");
        }
        return value.asDouble();
    }

    private List<SourceItem> items(JsonNode source) {
        if (source == null || !source.isObject()) {
            throw MoaError.invalidRequest("data_source.source", "Missing required parameter: 'data_source.source'.");
        }
        String type = source.path("type").asText("");
        List<SourceItem> items = new ArrayList<>();
        if (type.equals("file_content")) {
            JsonNode content = source.get("content");
            if (content == null || !content.isArray()) {
                throw MoaError.invalidRequest("data_source.source.content", "data_source.source.content must be an "
                        + "array of {\"item\": {...}}.");
            }
            if (content.size() > maxItems) {
                throw tooMany(content.size());
            }
            for (int i = 0; i < content.size(); i++) {
                JsonNode item = content.get(i).get("item");
                if (item == null || !item.isObject()) {
                    throw new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source.content[" + i + "].item",
                            "invalid_item", "data_source.source.content[" + i + "] must be {\"item\": {...}}.");
                }
                items.add(new SourceItem(item, "data_source.source.content[" + i + "].item"));
            }
            return items;
        }
        if (type.equals("file_id")) {
            String id = source.path("id").asText("");
            FileObject file = files.find(id).orElseThrow(() -> new MoaError(MoaError.Kind.INVALID_REQUEST,
                    "data_source.source.id", "invalid_file", "No file with id '" + id + "'."));
            if (!FileObject.EVALS.equals(file.purpose())) {
                throw new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source.id", "invalid_file", "The file "
                        + id + " has purpose '" + file.purpose() + "', not 'evals'.");
            }
            try (InputStream in = files.content(id).orElseThrow(() -> new MoaError(MoaError.Kind.INVALID_REQUEST,
                    "data_source.source.id", "invalid_file", "The file " + id + " has no content."))) {
                String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
                for (int i = 0; i < lines.length; i++) {
                    if (lines[i].isBlank()) {
                        continue;
                    }
                    if (items.size() >= maxItems) {
                        throw tooMany(items.size() + 1);
                    }
                    JsonNode line;
                    try {
                        line = json.readTree(lines[i]);
                    } catch (IOException e) {
                        throw new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source (line " + (i + 1) + ")",
                                "invalid_item", "Line " + (i + 1) + " of file " + id + " is not valid JSON.");
                    }
                    // OpenAI's shape is {"item": {...}}; a line that is the item itself is taken as well.
                    JsonNode item = line != null && line.path("item").isObject() ? line.get("item") : line;
                    if (item == null || !item.isObject()) {
                        throw new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source (line " + (i + 1) + ")",
                                "invalid_item", "Line " + (i + 1) + " of file " + id + " is not a JSON object.");
                    }
                    // The line in the file, blank lines counted: where the user finds it in their editor.
                    items.add(new SourceItem(item, "data_source.source (line " + (i + 1) + ")"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return items;
        }
        throw MoaError.invalidRequest("data_source.source.type", "data_source.source.type must be \"file_content\" "
                + "or \"file_id\".");
    }

    private MoaError tooMany(int count) {
        return new MoaError(MoaError.Kind.INVALID_REQUEST, "data_source.source", "too_many_items", "The data source "
                + "holds " + (count > maxItems ? "more than " + maxItems : count) + " items; a run takes at most "
                + maxItems + " (moa.eval.max-items).");
    }

    private static void allowOnly(JsonNode node, Set<String> allowed, String prefix) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!allowed.contains(field)) {
                throw MoaError.invalidRequest(prefix + field, "Unknown parameter: '" + prefix + field + "'.");
            }
        }
    }
}
