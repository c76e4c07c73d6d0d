package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text with {@code {{item.field}}} and {@code {{sample.output_text}}} placeholders (OpenAI's evals templates).
 * Every placeholder is checked when the eval or run is created ({@link #check}), so rendering never meets a variable
 * it cannot fill: an unknown one is a 400 then, not a silent empty string later.
 */
public record Template(String text, List<Variable> variables) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");
    private static final Pattern PATH = Pattern.compile("(item|sample)((?:\\.[A-Za-z0-9_\\-]+)+)");

    /** {@code item.a.b} as namespace {@code item} and path {@code [a, b]}. */
    public record Variable(String source, String namespace, List<String> path) {
    }

    public Template {
        variables = List.copyOf(variables);
    }

    /** @throws IllegalArgumentException naming the placeholder that is not {@code item.*} or {@code sample.*} */
    public static Template parse(String text) {
        List<Variable> variables = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            Matcher path = PATH.matcher(m.group(1));
            if (!path.matches()) {
                throw new IllegalArgumentException("unknown template variable {{" + m.group(1) + "}}: use "
                        + "{{item.<field>}} or {{sample.output_text}}");
            }
            variables.add(new Variable(m.group(1), path.group(1), List.of(path.group(2).substring(1).split("\\."))));
        }
        return new Template(text, variables);
    }

    /**
     * @param itemFields the fields the item schema declares (null: any field); a variable naming another is unknown
     * @param sample     whether {@code sample.*} may be used here (graders: yes; the run's input messages: no)
     */
    public void check(java.util.Set<String> itemFields, boolean sample) {
        for (Variable v : variables) {
            if (v.namespace().equals("sample")) {
                if (!sample) {
                    throw new IllegalArgumentException("unknown template variable {{" + v.source()
                            + "}}: the input messages are written before there is a sample");
                }
                if (!v.path().equals(List.of("output_text"))) {
                    throw new IllegalArgumentException("unknown template variable {{" + v.source()
                            + "}}: the sample offers {{sample.output_text}}");
                }
            } else if (itemFields != null && !itemFields.contains(v.path().get(0))) {
                throw new IllegalArgumentException("unknown template variable {{" + v.source() + "}}: the item "
                        + "schema has no property \"" + v.path().get(0) + "\"");
            }
        }
    }

    /** Fills the placeholders: strings as they are, other JSON values as JSON, a missing field as an empty string. */
    public String render(JsonNode item, String outputText) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        int at = 0;
        int index = 0;
        while (m.find()) {
            out.append(text, at, m.start());
            Variable v = variables.get(index++);
            if (v.namespace().equals("sample")) {
                out.append(outputText == null ? "" : outputText);
            } else {
                JsonNode value = item;
                for (String step : v.path()) {
                    value = value.path(step);
                }
                out.append(value.isTextual() ? value.textValue() : value.isMissingNode() || value.isNull() ? ""
                        : value.toString());
            }
            at = m.end();
        }
        return out.append(text.substring(at)).toString();
    }
}
