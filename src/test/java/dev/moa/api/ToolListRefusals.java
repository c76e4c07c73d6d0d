package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.model.MoaError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An adapter's refusals of a bad {@code tools} list, each a 400 naming its param in the protocol's words. Each
 * protocol's test lists its cases in a static {@code refusals()}: a table of {@code tools JSON | param | message}.
 */
public abstract class ToolListRefusals {

    protected static final ObjectMapper JSON = new ObjectMapper();

    private final String body;
    private final Function<JsonNode, ?> parser;

    /**
     * @param body   a valid request body of the adapter's protocol, without tools
     * @param parser the adapter's reading of a body
     */
    protected ToolListRefusals(String body, Function<JsonNode, ?> parser) {
        this.body = body;
        this.parser = parser;
    }

    /** The body with this tool list, read by the adapter. */
    protected Object withTools(String tools) {
        ObjectNode request = (ObjectNode) json(body);
        request.set("tools", json(tools));
        return parser.apply(request);
    }

    /** One case a line: the tools JSON, the param at fault and the message, separated by {@code " | "}. */
    protected static Stream<Arguments> cases(String table) {
        return table.lines().map(line -> line.split(" \\| ", 3))
                .map(cells -> Arguments.of(cells[0], cells[1], cells[2]));
    }

    protected static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @MethodSource("refusals")
    protected void refused(String tools, String param, String message) {
        MoaError error = assertThrows(MoaError.class, () -> withTools(tools));
        assertEquals(param, error.param().orElse(null));
        assertEquals(message, error.getMessage());
        assertEquals(400, error.status());
    }
}
