package dev.moa.testing.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A state machine as deployed (the batch one, or the eval one): its {@code Definition} read out of
 * {@code template.yaml}, with the template's {@code DefinitionSubstitutions} filled in, and the JSONPath parts Step
 * Functions evaluates for each state ({@code "x.$"} fields: {@code $}, {@code $.path}, {@code $$.context.path},
 * {@code States.JsonToString}, {@code States.StringToJson}) rendered for a given input, as Step Functions renders
 * them. Only what the definition uses is supported; anything else fails the test.
 */
public final class StateMachineDefinition {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([A-Za-z0-9]+)}");

    private final JsonNode definition;

    private StateMachineDefinition(JsonNode definition) {
        this.definition = definition;
    }

    /** The state machine of the template's resource {@code resource} (BatchStateMachine, EvalStateMachine). */
    public static StateMachineDefinition fromTemplate(Path template, String resource,
                                                      Map<String, String> substitutions) {
        try {
            JsonNode root = new YAMLMapper().readTree(template.toFile());
            JsonNode properties = root.at("/Resources/" + resource + "/Properties");
            if (properties.isMissingNode()) {
                throw new IllegalStateException("no " + resource + " in " + template);
            }
            for (Iterator<String> names = properties.path("DefinitionSubstitutions").fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!substitutions.containsKey(name)) {
                    throw new IllegalStateException("the test gives no value for the substitution " + name);
                }
            }
            return new StateMachineDefinition(substitute(properties.path("Definition").deepCopy(), substitutions));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode definition() {
        return definition;
    }

    /** A state by name, in the top level or in the Map's item processor. */
    public JsonNode state(String name) {
        JsonNode top = definition.path("States").path(name);
        if (!top.isMissingNode()) {
            return top;
        }
        for (JsonNode state : definition.path("States")) {
            JsonNode inner = state.at("/ItemProcessor/States/" + name);
            if (!inner.isMissingNode()) {
                return inner;
            }
        }
        throw new IllegalArgumentException("no state " + name);
    }

    /** Renders a Parameters/ItemSelector/ResultSelector template against an input and the context object. */
    public static JsonNode render(JsonNode template, JsonNode input, JsonNode context) {
        if (!template.isObject()) {
            return template.deepCopy();
        }
        ObjectNode out = JSON.createObjectNode();
        template.fields().forEachRemaining(field -> {
            String name = field.getKey();
            if (name.endsWith(".$")) {
                out.set(name.substring(0, name.length() - 2), evaluate(field.getValue().asText(), input, context));
            } else {
                out.set(name, render(field.getValue(), input, context));
            }
        });
        return out;
    }

    /** Puts a result into the state's input at a ResultPath of the form {@code $.name} (or {@code null}: drop it). */
    public static JsonNode applyResultPath(JsonNode input, String resultPath, JsonNode result) {
        if (resultPath == null) {
            return result;
        }
        if (!resultPath.startsWith("$.") || resultPath.indexOf('.', 2) >= 0) {
            throw new IllegalArgumentException("unsupported ResultPath " + resultPath);
        }
        ObjectNode out = input.deepCopy();
        out.set(resultPath.substring(2), result);
        return out;
    }

    static JsonNode evaluate(String expression, JsonNode input, JsonNode context) {
        String e = expression.trim();
        if (e.startsWith("States.JsonToString(") && e.endsWith(")")) {
            return TextNode.valueOf(evaluate(inner(e), input, context).toString());
        }
        if (e.startsWith("States.StringToJson(") && e.endsWith(")")) {
            String argument = inner(e);
            String text = argument.startsWith("'") ? argument.substring(1, argument.length() - 1)
                    : evaluate(argument, input, context).asText();
            try {
                return JSON.readTree(text);
            } catch (IOException ex) {
                throw new IllegalArgumentException("StringToJson of " + text, ex);
            }
        }
        if (e.startsWith("$$")) {
            return path(context, e.substring(2));
        }
        if (e.startsWith("$")) {
            return path(input, e.substring(1));
        }
        throw new IllegalArgumentException("unsupported expression " + expression);
    }

    private static String inner(String call) {
        return call.substring(call.indexOf('(') + 1, call.length() - 1).trim();
    }

    private static JsonNode path(JsonNode root, String dotted) {
        JsonNode node = root;
        for (String part : dotted.split("\\.")) {
            if (part.isEmpty()) {
                continue;
            }
            node = node.path(part);
            if (node.isMissingNode()) {
                throw new IllegalArgumentException("no " + dotted + " in " + root);
            }
        }
        return node.deepCopy();
    }

    private static JsonNode substitute(JsonNode node, Map<String, String> values) {
        if (node.isTextual()) {
            Matcher matcher = SUBSTITUTION.matcher(node.asText());
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                String value = values.get(matcher.group(1));
                matcher.appendReplacement(out, Matcher.quoteReplacement(value == null ? matcher.group() : value));
            }
            matcher.appendTail(out);
            return TextNode.valueOf(out.toString());
        }
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            node.fields().forEachRemaining(f -> copy.set(f.getKey(), substitute(f.getValue(), values)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> copy.add(substitute(item, values)));
            return copy;
        }
        return node;
    }
}
