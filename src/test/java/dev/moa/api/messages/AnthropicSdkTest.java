package dev.moa.api.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.PythonTools;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official python {@code anthropic} SDK, unchanged, against {@code /v1/messages} with a mix as the model:
 * messages.create, messages.stream, a tool_use → tool_result loop (whole and streamed), count_tokens, and a typed
 * error. The SDK itself only builds its objects from what it reads, validating nothing, so the script validates every
 * raw answer and every streamed event strictly with the SDK's own pydantic types ({@code Message},
 * {@code RawMessageStreamEvent}, {@code MessageTokensCount}, {@code ErrorResponse}) and fails on the first that does
 * not match.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class AnthropicSdkTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAnthropicSdkTalksToAMix() throws Exception {
        store.mix("msg-plain", mix("pl"));
        store.mix("msg-stream", mix("st"));
        store.mix("msg-tools", mix("tl"));
        upstream.script("st-agg", FakeUpstream.Streamed.of("Hel", "lo ", "world"));
        upstream.script("tl-agg", new FakeUpstream.UseTools("{\"city\":\"Paris\"}"));

        JsonNode out = runSdk("msg-plain", "msg-stream", "msg-tools");

        JsonNode create = out.path("create");
        assertTrue(create.path("id").asText().startsWith("msg_"), create.toString());
        assertEquals("message", create.path("type").asText());
        assertEquals("assistant", create.path("role").asText());
        assertEquals("msg-plain", create.path("model").asText());
        assertEquals("answer from pl-agg", create.at("/content/0/text").asText());
        assertEquals("end_turn", create.path("stop_reason").asText());
        assertTrue(create.at("/usage/input_tokens").asLong() > 0, create.toString());
        assertTrue(create.at("/usage/output_tokens").asLong() > 0, create.toString());
        Recorded aggregator = upstream.only("pl-agg");
        assertEquals(256, aggregator.body().path("max_tokens").asInt(), "max_tokens reaches the aggregator");
        assertEquals(0.5, aggregator.body().path("temperature").asDouble());
        List<JsonNode> proposerTurns = upstream.only("pl-p1").messages();
        assertEquals("system", proposerTurns.get(0).path("role").asText());
        assertEquals("Be brief.", proposerTurns.get(0).path("content").asText(), "the system blocks as the system turn");
        assertEquals("Hello", proposerTurns.get(proposerTurns.size() - 1).path("content").asText());

        assertEquals(JSON.readTree("[\"Hel\", \"lo \", \"world\"]"), out.path("stream_text"));
        assertEquals("Hello world", out.at("/stream_final/content/0/text").asText());
        assertEquals("end_turn", out.at("/stream_final/stop_reason").asText());
        assertTrue(out.at("/stream_final/usage/output_tokens").asLong() > 0, out.path("stream_final").toString());
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"),
                types(out.path("stream_events")), "every event validated, in order");

        JsonNode first = out.path("tool_first");
        assertEquals("tool_use", first.path("stop_reason").asText());
        JsonNode use = first.at("/content/0");
        assertEquals("tool_use", use.path("type").asText(), first.toString());
        assertEquals("get_weather", use.path("name").asText());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), use.path("input"));
        JsonNode second = out.path("tool_second");
        assertEquals("end_turn", second.path("stop_reason").asText());
        assertEquals("tl-agg used 21 C and sunny", second.at("/content/0/text").asText());
        List<Recorded> loop = upstream.requests("tl-agg");
        JsonNode offered = loop.get(0).body().path("tools").path(0).path("function");
        assertEquals("get_weather", offered.path("name").asText());
        assertEquals("object", offered.path("parameters").path("type").asText(), "input_schema as the parameters");
        List<JsonNode> turns = loop.get(1).messages();
        JsonNode call = turns.get(turns.size() - 2);
        JsonNode result = turns.get(turns.size() - 1);
        assertEquals(use.path("id").asText(), call.at("/tool_calls/0/id").asText());
        assertEquals("tool", result.path("role").asText());
        assertEquals(use.path("id").asText(), result.path("tool_call_id").asText());
        assertEquals("21 C and sunny", result.path("content").asText());

        JsonNode streamedTool = out.path("tool_stream_final");
        assertEquals("tool_use", streamedTool.path("stop_reason").asText(), streamedTool.toString());
        assertEquals("get_weather", streamedTool.at("/content/0/name").asText());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"), streamedTool.at("/content/0/input"));
        List<String> toolEvents = types(out.path("tool_stream_events"));
        assertEquals(List.of("message_start", "content_block_start"), toolEvents.subList(0, 2), toolEvents.toString());
        assertEquals("tool_use", out.at("/tool_stream_events/1/content_block/type").asText());
        assertTrue(toolEvents.contains("content_block_delta"), toolEvents.toString());
        assertEquals(List.of("content_block_stop", "message_delta", "message_stop"),
                toolEvents.subList(toolEvents.size() - 3, toolEvents.size()), toolEvents.toString());

        assertTrue(out.at("/count/input_tokens").asLong() > 0, out.path("count").toString());

        JsonNode notFound = out.path("not_found");
        assertEquals(404, notFound.path("status").asInt(), notFound.toString());
        assertEquals("error", notFound.at("/body/type").asText());
        assertEquals("not_found_error", notFound.at("/body/error/type").asText());
    }

    /** The events' types, the keep-alive pings left out (whether one falls in depends on the time taken). */
    private static List<String> types(JsonNode events) {
        List<String> types = new java.util.ArrayList<>();
        events.forEach(event -> types.add(event.path("type").asText()));
        types.removeIf("ping"::equals);
        return types;
    }

    static String mix(String prefix) {
        return """
                {"layers": [
                   {"agents": [{"provider": "fake", "model": "%1$s-p1"}, {"provider": "fake", "model": "%1$s-p2"}]},
                   {"agents": [{"provider": "fake", "model": "%1$s-agg"}]}]}""".formatted(prefix);
    }

    private static JsonNode runSdk(String... mixes) throws IOException, InterruptedException {
        Path script = Path.of("src/test/resources/anthropic/sdk_messages.py").toAbsolutePath();
        Path out = Files.createTempFile("anthropic-sdk", ".json");
        Path err = Files.createTempFile("anthropic-sdk", ".err");
        List<String> command = new java.util.ArrayList<>(List.of(PythonTools.pythonWithAnthropic().toString(),
                script.toString(), "http://localhost:" + RestAssured.port));
        command.addAll(List.of(mixes));
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the SDK script did not end");
        }
        String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), stderr);
        return JSON.readTree(Files.readString(out));
    }
}
