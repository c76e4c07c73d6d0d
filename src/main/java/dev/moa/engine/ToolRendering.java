package dev.moa.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Layer;
import dev.moa.mix.ToolMode;
import dev.moa.provider.Completion;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one agent sees of the client's tools, tool turns and requested output format. The aggregator acts: it
 * gets the conversation unchanged and the client's options as sent. Proposers advise: by default they get the
 * tool definitions and the output format described in their system message and the tool turns as plain text
 * (many providers refuse {@code tool} messages in a request without {@code tools}), in valid user/assistant
 * alternation.
 *
 * @param mode       the layer's {@code tools} field
 * @param aggregator whether the agent is the aggregator
 * @param client     the client's own options
 */
public record ToolRendering(ToolMode mode, boolean aggregator, CallOptions client) {

    /** No tools, no format, nothing rendered: the conversation as it is. */
    public static final ToolRendering NONE = new ToolRendering(ToolMode.PASS, true, CallOptions.NONE);

    public static final String TOOLS_INTRO = """
            The application you are answering for can run the tools (functions) below; you cannot run them here. \
            Where calling a tool would help, say which one to call and with which arguments, one line per call, \
            in the form: Call <name> with <arguments as JSON>""";

    public static final String AGGREGATOR_NOTE = """
            The answers below could not run tools: where they propose a tool call as text (Call <name> with \
            <arguments>), make that call yourself with your tools if it is the right next step.""";

    public static ToolRendering forLayer(Layer layer, boolean aggregator, CallOptions client) {
        return new ToolRendering(aggregator ? ToolMode.PASS : layer.tools(), aggregator, client);
    }

    /** The options of the agent's call: the aggregator's are the client's where the mix sets none. */
    public CallOptions options(CallOptions agent) {
        if (aggregator) {
            return agent.orElse(client);
        }
        return mode == ToolMode.PASS ? agent.withToolsOf(client) : agent;
    }

    /** Whether the agent gets the tool turns as they are (with ids), rather than as text. */
    private boolean realToolTurns() {
        return aggregator || (mode == ToolMode.PASS && client.hasTools());
    }

    /** A loop, not a stream: asked for every call of every layer. */
    private static boolean hasToolTurns(List<Message> conversation) {
        for (Message m : conversation) {
            if (m.hasToolCalls() || m.isToolResult()) {
                return true;
            }
        }
        return false;
    }

    /** The conversation as this agent receives it. */
    public List<Message> conversation(List<Message> conversation) {
        if (realToolTurns() || !hasToolTurns(conversation)) {
            return conversation;
        }
        Map<String, String> names = new HashMap<>();
        List<Message> out = new ArrayList<>(conversation.size());
        boolean lastRendered = false;
        for (Message m : conversation) {
            Message turn = m;
            boolean rendered = true;
            if (m.hasToolCalls()) {
                m.toolCalls().forEach(c -> names.put(c.id(), c.name()));
                turn = new Message(Message.ASSISTANT, join(m.content(), m.toolCalls().stream()
                        .map(ToolRendering::callLine).collect(Collectors.joining("\n"))));
            } else if (m.isToolResult()) {
                turn = Message.user("Result of " + names.getOrDefault(m.toolCallId(), "the tool") + " (call id "
                        + m.toolCallId() + "):\n" + m.content());
            } else {
                rendered = false;
            }
            Message previous = out.isEmpty() ? null : out.get(out.size() - 1);
            // Two turns of one role in a row are refused by several providers: a rendered turn joins its neighbour.
            if (previous != null && previous.role().equals(turn.role()) && !turn.isSystem()
                    && (rendered || lastRendered)) {
                out.set(out.size() - 1, previous.withContent(join(previous.content(), turn.content())));
            } else {
                out.add(turn);
            }
            lastRendered = rendered;
        }
        return List.copyOf(out);
    }

    /** What this agent's system message says about tools and the output format; {@code null} for nothing. */
    public String systemText(boolean hasReferences) {
        if (aggregator) {
            return hasReferences && client.hasTools() && !"none".equals(toolChoiceText()) ? AGGREGATOR_NOTE : null;
        }
        String tools = mode == ToolMode.DESCRIBE ? describeTools() : null;
        return join(tools, describeFormat());
    }

    /** An answer as the next layer reads it: its text, then each tool call it made as a line of text. */
    public static String asReference(Completion answer) {
        if (!answer.hasToolCalls()) {
            return answer.content();
        }
        return join(answer.content(), answer.toolCalls().stream().map(ToolCall::asText)
                .collect(Collectors.joining("\n")));
    }

    private static String callLine(ToolCall call) {
        return call.asText() + (call.id() == null ? "" : " (call id " + call.id() + ")");
    }

    private String describeTools() {
        if (!client.hasTools() || "none".equals(toolChoiceText())) {
            return null;
        }
        StringBuilder text = new StringBuilder(TOOLS_INTRO).append('\n');
        for (JsonNode tool : client.tools()) {
            JsonNode function = tool.path("function");
            text.append("\n- ").append(function.path("name").asText("?"));
            if (function.path("description").isTextual() && !function.path("description").textValue().isBlank()) {
                text.append(": ").append(function.path("description").textValue().strip());
            }
            if (function.has("parameters")) {
                text.append("\n  Arguments (JSON schema): ").append(function.get("parameters").toString());
            }
        }
        String choice = toolChoiceText();
        if ("required".equals(choice)) {
            text.append("\n\nThe final answer must call at least one of these tools.");
        } else if (choice != null && !"auto".equals(choice)) {
            text.append("\n\nThe final answer must call the tool ").append(choice).append('.');
        }
        if (Boolean.FALSE.equals(client.parallelToolCalls())) {
            text.append("\nThe final answer may call at most one tool.");
        }
        return text.toString();
    }

    /** {@code auto}, {@code none}, {@code required}, the name of a forced function, or {@code null}. */
    private String toolChoiceText() {
        JsonNode choice = client.toolChoice();
        if (choice == null) {
            return null;
        }
        if (choice.isTextual()) {
            return choice.textValue();
        }
        return choice.path("function").path("name").asText(null);
    }

    private String describeFormat() {
        String type = client.responseFormatType();
        if ("json_object".equals(type)) {
            return "The final answer must be a single valid JSON object and nothing else (no prose, no code fences).";
        }
        if ("json_schema".equals(type)) {
            JsonNode spec = client.responseFormat().path("json_schema");
            StringBuilder text = new StringBuilder("The final answer must be valid JSON and nothing else (no prose, "
                    + "no code fences), matching the JSON schema");
            if (spec.path("name").isTextual()) {
                text.append(" \"").append(spec.path("name").textValue()).append('"');
            }
            if (spec.path("description").isTextual()) {
                text.append(" (").append(spec.path("description").textValue().strip()).append(')');
            }
            return text.append(":\n").append(spec.path("schema").toString()).toString();
        }
        return null;
    }

    static String join(String first, String second) {
        if (first == null || first.isEmpty()) {
            return second;
        }
        if (second == null || second.isEmpty()) {
            return first;
        }
        return first + "\n\n" + second;
    }
}
