package dev.moa.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.moa.mix.CallOptions;
import dev.moa.model.ToolChoice;
import dev.moa.model.ToolSpec;

import java.util.List;

/**
 * Typed tools and tool choice as the per-call options the engine and providers read today (OpenAI's function
 * definitions). The one place this translation happens, so an adapter never writes another protocol's JSON.
 */
public final class ToolOptions {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ToolOptions() {
    }

    /** {@code base} with these tool fields; a null list leaves tools unset (the mix's own apply). */
    public static CallOptions with(CallOptions base, List<ToolSpec> tools, ToolChoice choice,
                                   Boolean parallelToolCalls) {
        CallOptions tooled = new CallOptions(tools == null ? null : tools.stream().map(ToolOptions::definition).toList(),
                choice == null ? null : choice(choice), parallelToolCalls, null, null, null, null, null, null, null,
                null, null);
        return base.withToolsOf(tooled);
    }

    static JsonNode definition(ToolSpec tool) {
        ObjectNode definition = NODES.objectNode();
        definition.put("type", "function");
        ObjectNode function = definition.putObject("function");
        function.put("name", tool.name());
        if (tool.description() != null) {
            function.put("description", tool.description());
        }
        function.set("parameters", tool.schema() == null ? NODES.objectNode().put("type", "object") : tool.schema());
        if (tool.strict() != null) {
            function.put("strict", tool.strict());
        }
        return definition;
    }

    static JsonNode choice(ToolChoice choice) {
        if (choice instanceof ToolChoice.Named named) {
            ObjectNode node = NODES.objectNode();
            node.put("type", "function");
            node.putObject("function").put("name", named.name());
            return node;
        }
        return TextNode.valueOf(choice instanceof ToolChoice.None ? "none"
                : choice instanceof ToolChoice.Required ? "required" : "auto");
    }
}
