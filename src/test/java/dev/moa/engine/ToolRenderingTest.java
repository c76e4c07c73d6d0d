package dev.moa.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.Agent;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Layer;
import dev.moa.mix.References;
import dev.moa.mix.Sampling;
import dev.moa.mix.ToolMode;
import dev.moa.provider.Completion;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;
import dev.moa.provider.Usage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ToolRenderingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Agent PLAIN = Agent.of("p", "m", Sampling.NONE, null, 1, null);
    private static final ToolCall WEATHER = new ToolCall("c1", "get_weather", "{\"city\": \"Paris\"}");

    private static CallOptions withTools(String toolChoice) throws Exception {
        List<JsonNode> tools = List.of(JSON.readTree("""
                {"type": "function", "function": {"name": "get_weather", "description": " Weather. "}}"""));
        return new CallOptions(tools, toolChoice == null ? null : JSON.readTree(toolChoice), null, null, null, null,
                null, null, null, null, null, null);
    }

    private static Layer layer(ToolMode mode) {
        return new Layer(List.of(PLAIN), 1, References.DEFAULT, Optional.empty(), mode);
    }

    @Test
    void toolTurnsBecomeTextTurnsThatNeverPutTwoTurnsOfOneRoleInARow() throws Exception {
        List<Message> conversation = List.of(Message.system("rules"), Message.user("q"),
                Message.assistant("", List.of(WEATHER)), Message.toolResult("c1", "sunny"),
                Message.assistant("", List.of(new ToolCall("c2", "get_weather", ""))), Message.toolResult("c2", "rain"),
                Message.toolResult("unknown", "?"), Message.user("thanks"), Message.user("really"));
        ToolRendering describe = ToolRendering.forLayer(layer(ToolMode.DESCRIBE), false, withTools(null));
        assertEquals(List.of(Message.system("rules"), Message.user("q"),
                new Message("assistant", "Call get_weather with {\"city\": \"Paris\"} (call id c1)"),
                Message.user("Result of get_weather (call id c1):\nsunny"),
                new Message("assistant", "Call get_weather with {} (call id c2)"),
                Message.user("Result of get_weather (call id c2):\nrain\n\nResult of the tool (call id unknown):\n?"
                        + "\n\nthanks"),
                Message.user("really")), describe.conversation(conversation),
                "the client's own consecutive user turns stay as sent; rendered ones join their neighbour");
    }

    @Test
    void theAggregatorAndAPassLayerWithToolsGetTheConversationAsItIs() throws Exception {
        List<Message> conversation = List.of(Message.user("q"), Message.assistant("", List.of(WEATHER)),
                Message.toolResult("c1", "sunny"));
        assertSame(conversation, ToolRendering.forLayer(layer(ToolMode.DESCRIBE), true, withTools(null))
                .conversation(conversation));
        assertSame(conversation, ToolRendering.forLayer(layer(ToolMode.PASS), false, withTools(null))
                .conversation(conversation));
        // A pass layer without client tools would send tool messages with no tools: text instead.
        assertEquals(3, ToolRendering.forLayer(layer(ToolMode.PASS), false, CallOptions.NONE)
                .conversation(conversation).stream().filter(m -> m.toolCallId() == null && !m.hasToolCalls()).count());
    }

    @Test
    void optionsTheAggregatorGetsTheClientsProposersOnlyTheirOwnAndAPassLayerTheTools() throws Exception {
        CallOptions client = withTools("\"required\"");
        CallOptions mine = new CallOptions(null, null, null, null, 7L, null, null, null, "mix", null, null, null);
        CallOptions aggregator = ToolRendering.forLayer(layer(ToolMode.DESCRIBE), true, client).options(mine);
        assertEquals(client.tools(), aggregator.tools());
        assertEquals("mix", aggregator.user());
        assertEquals(mine, ToolRendering.forLayer(layer(ToolMode.DESCRIBE), false, client).options(mine));
        assertEquals(mine, ToolRendering.forLayer(layer(ToolMode.OMIT), false, client).options(mine));
        CallOptions passed = ToolRendering.forLayer(layer(ToolMode.PASS), false, client).options(mine);
        assertEquals(client.tools(), passed.tools());
        assertEquals(client.toolChoice(), passed.toolChoice());
        assertEquals(7L, passed.seed());
    }

    @Test
    void describedToolsGoAfterTheClientsSystemMessageAndBeforeTheReferences() throws Exception {
        ReferenceInjector injector = new ReferenceInjector(() -> new SplittableRandom(1));
        ToolRendering describe = ToolRendering.forLayer(layer(ToolMode.DESCRIBE), false, withTools("\"none\""));
        assertNull(describe.systemText(false), "tool_choice none: nothing to advise");
        describe = ToolRendering.forLayer(layer(ToolMode.DESCRIBE), false, withTools(
                "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}"));
        List<Message> messages = injector.messagesFor(PLAIN, References.DEFAULT, describe,
                List.of(Message.system("rules"), Message.user("q")), List.of(new Reference("A", null)));
        assertEquals("rules\n\n" + ToolRendering.TOOLS_INTRO + "\n\n- get_weather: Weather.\n\nThe final answer must "
                + "call the tool get_weather.\n\n" + ReferenceInjector.DEFAULT_PROMPT + "\n\n1. A", messages.get(0).content());
        assertNull(ToolRendering.forLayer(layer(ToolMode.OMIT), false, withTools(null)).systemText(true));
    }

    @Test
    void aProposersToolCallsReadAsTextInItsReference() {
        assertEquals("Checking.\n\nCall get_weather with {\"city\": \"Paris\"}\nCall get_time with {}",
                ToolRendering.asReference(new Completion("Checking.", "tool_calls", Usage.ZERO,
                        List.of(WEATHER, new ToolCall("c2", "get_time", "")))));
        assertEquals("plain", ToolRendering.asReference(new Completion("plain", "stop", Usage.ZERO)));
    }
}
