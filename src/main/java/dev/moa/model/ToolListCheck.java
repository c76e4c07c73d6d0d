package dev.moa.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * The checks every inbound protocol makes of the function tools a request offers, whatever its wire format: a list
 * of objects, each with a name of 1 to 64 letters, digits, underscores or dashes that no other tool has, a string
 * description, a JSON-schema object for its input and a true/false {@code strict}. Each adapter only finds those
 * fields in its own format (and refuses what only its format has, such as other tool types); its {@link Dialect}
 * names the fields and words the errors as its protocol does.
 */
public final class ToolListCheck {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private ToolListCheck() {
    }

    /**
     * How one wire format names a tool's place and input schema, and words each refusal. The wording templates take
     * the param at fault ({@code %s}), except {@code duplicateName}, which takes the name.
     *
     * @param item           the param of the tool at an index ({@code tools[0]}, {@code tools.0})
     * @param schemaField    the input schema's field ({@code parameters}, {@code input_schema})
     * @param schemaRequired whether a tool without an input schema is refused
     */
    public record Dialect(IntFunction<String> item, String schemaField, boolean schemaRequired, String notList,
                          String notObject, String badName, String duplicateName, String notText, String notSchema,
                          String notBoolean) {
    }

    /**
     * One tool's fields as its wire format holds them, null where absent.
     *
     * @param param the param of the object holding them ({@code tools[0].function}, {@code tools[0]})
     */
    public record Fields(String param, JsonNode name, JsonNode description, JsonNode schema, JsonNode strict) {
    }

    /** Finds one tool's fields in a wire format, refusing (with a {@link MoaError}) what only that format has. */
    @FunctionalInterface
    public interface WireTool {
        Fields fields(String param, JsonNode tool);
    }

    /** The tools of a request's tool list, in order; null when the list is absent. */
    public static List<ToolSpec> check(JsonNode list, Dialect dialect, WireTool wire) {
        if (list == null || list.isNull()) {
            return null;
        }
        if (!list.isArray()) {
            throw MoaError.invalidRequest("tools", dialect.notList());
        }
        List<ToolSpec> tools = new ArrayList<>(list.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String param = dialect.item().apply(i);
            JsonNode tool = list.get(i);
            if (!tool.isObject()) {
                throw MoaError.invalidRequest(param, dialect.notObject().formatted(param));
            }
            tools.add(spec(wire.fields(param, tool), dialect, names));
        }
        return tools;
    }

    private static ToolSpec spec(Fields fields, Dialect dialect, Set<String> names) {
        String nameParam = fields.param() + ".name";
        JsonNode name = fields.name();
        if (name == null || !name.isTextual() || !NAME.matcher(name.textValue()).matches()) {
            throw MoaError.invalidRequest(nameParam, dialect.badName().formatted(nameParam));
        }
        if (!names.add(name.textValue())) {
            throw MoaError.invalidRequest(nameParam, dialect.duplicateName().formatted(name.textValue()));
        }
        JsonNode description = fields.description();
        if (description != null && !description.isTextual()) {
            String param = fields.param() + ".description";
            throw MoaError.invalidRequest(param, dialect.notText().formatted(param));
        }
        JsonNode schema = fields.schema();
        if (schema == null ? dialect.schemaRequired() : !schema.isObject()) {
            String param = fields.param() + "." + dialect.schemaField();
            throw MoaError.invalidRequest(param, dialect.notSchema().formatted(param));
        }
        JsonNode strict = fields.strict();
        if (strict != null && !strict.isBoolean()) {
            String param = fields.param() + ".strict";
            throw MoaError.invalidRequest(param, dialect.notBoolean().formatted(param));
        }
        return new ToolSpec(name.textValue(), description == null ? null : description.textValue(), schema,
                strict == null ? null : strict.booleanValue());
    }
}
