package dev.moa.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.CallOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The tool the protocol tests offer (get_weather, one required string argument) and a round trip through it. */
final class WeatherTool {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tool round trip: the user asks, the assistant called a tool, the tool answered, the user goes on. */
    static final List<Message> TURNS = List.of(
            new Message("user", "Weather in Paris?"),
            Message.assistant("Checking.", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
            Message.toolResult("call_1", "18 C, sunny"),
            new Message("user", "And tomorrow?"));

    private WeatherTool() {
    }

    /** The tool offered, with {@code toolChoice} (OpenAI's JSON form) as the tool choice, or none when null. */
    static CallOptions offered(String toolChoice) {
        try {
            return new CallOptions(List.of(JSON.readTree("""
                    {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                    "required": ["city"]}}}""")),
                    toolChoice == null ? null : JSON.readTree(toolChoice), false, null, null, null, null, null, null,
                    null, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
