package dev.moa.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.provider.ToolCall;
import dev.moa.mix.MixDocuments;
import dev.moa.mix.ProviderConfig;
import dev.moa.mix.Sampling;
import dev.moa.testing.FakeAnthropic;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.ProtocolsResource;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static dev.moa.provider.CallOutcome.failure;
import static dev.moa.provider.CallOutcome.streamedArguments;
import static dev.moa.provider.CallOutcome.toolCallDeltas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Anthropic client against a Messages API peer: the request it sends, the answers, errors and streams it reads. */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
class AnthropicProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Upstream
    FakeAnthropic anthropic;

    @Inject
    ChatClients clients;

    private ChatClient client;

    @BeforeEach
    void setUp() throws Exception {
        anthropic.reset();
        ProviderConfig provider = MixDocuments.parseProvider("claude", "provider \"claude\"", JSON.readTree(
                "{\"protocol\": \"anthropic\", \"base_url\": \"" + anthropic.baseUrl() + "\", \"headers\": {\"X-Team\": \"t\"}}"));
        client = clients.forProvider(provider, Optional.of(ProtocolsResource.ANTHROPIC_KEY));
    }

    private static CompletionCall call(String model, Sampling sampling, Message... messages) {
        return new CompletionCall(model, List.of(messages), sampling);
    }

    private static final Message[] CONVERSATION = {
            new Message("system", "Be brief."), new Message("user", "first"), new Message("user", "second"),
            new Message("assistant", "an answer"), new Message("system", "Cite sources."), new Message("user", "third")};

    @Test
    void sendsAMessagesRequestAsAnthropicExpectsIt() {
        Completion answer = client.complete(call("claude-x", new Sampling(0.5, null, 0.9, List.of("END")), CONVERSATION))
                .await().atMost(WAIT);

        FakeUpstream.Recorded request = anthropic.only("claude-x");
        assertEquals(ProtocolsResource.ANTHROPIC_KEY, request.header("x-api-key"));
        assertEquals("2023-06-01", request.header("anthropic-version"));
        assertNull(request.header("authorization"), "the key goes in x-api-key only");
        assertEquals("t", request.header("x-team"));
        JsonNode body = request.body();
        assertEquals("Be brief.\n\nCite sources.", body.path("system").asText(), "system messages lifted into system");
        assertEquals(List.of("user:first\n\nsecond", "assistant:an answer", "user:third"),
                request.messages().stream().map(m -> m.path("role").asText() + ":" + m.path("content").asText()).toList(),
                "same-role turns merged, so user and assistant alternate");
        assertEquals(MixDocuments.DEFAULT_ANTHROPIC_MAX_TOKENS, body.path("max_tokens").asInt(), "max_tokens is always sent");
        assertEquals(0.5, body.path("temperature").asDouble());
        assertFalse(body.has("top_p"), "only one of temperature and top_p");
        assertEquals("[\"END\"]", body.path("stop_sequences").toString());
        assertFalse(body.has("stop") || body.has("stream"), body.toString());

        assertEquals("answer from claude-x", answer.content(), "the text blocks joined, the thinking block left out");
        assertEquals("stop", answer.finishReason());
        JsonNode usage = request.usage();
        long input = usage.path("input_tokens").asLong() + FakeAnthropic.CACHE_READ_TOKENS;
        assertEquals(Usage.of(input, usage.path("output_tokens").asLong(), input + usage.path("output_tokens").asLong(),
                FakeAnthropic.CACHE_READ_TOKENS, 0), answer.usage(), "prompt_tokens include the cache reads");
    }

    @Test
    void topPGoesAloneAndTheMixsMaxTokensWins() {
        client.complete(call("claude-p", new Sampling(null, 300, 0.8, null), new Message("user", "hi"))).await().atMost(WAIT);
        JsonNode body = anthropic.only("claude-p").body();
        assertEquals(0.8, body.path("top_p").asDouble());
        assertFalse(body.has("temperature"));
        assertEquals(300, body.path("max_tokens").asInt());
    }

    @ParameterizedTest
    @ValueSource(strings = {"end_turn:stop", "stop_sequence:stop", "max_tokens:length", "tool_use:tool_calls",
            "refusal:content_filter"})
    void stopReasonsBecomeOpenAiFinishReasons(String mapping) {
        String[] pair = mapping.split(":");
        anthropic.script("claude-f", new FakeUpstream.Answer("text", pair[0]));
        assertEquals(pair[1], client.complete(call("claude-f", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT).finishReason());
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 529, 500})
    void rateLimitsAndOverloadAreRetryable(int status) {
        anthropic.script("claude-busy", new FakeUpstream.Status(status, "slow down", Map.of("retry-after", "3")));
        UpstreamFailure failure = failure(() -> client.complete(call("claude-busy", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT));
        assertEquals(status, failure.status());
        assertTrue(failure.retryable(), failure.getMessage());
        assertEquals(Optional.of(Duration.ofSeconds(3)), failure.retryAfter());
        assertTrue(failure.getMessage().contains(FakeAnthropicErrorTypes.of(status) + ": slow down"), failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 413})
    void clientErrorsAreNotRetryable(int status) {
        anthropic.script("claude-bad", new FakeUpstream.Status(status, "no: " + ProtocolsResource.ANTHROPIC_KEY, Map.of()));
        UpstreamFailure failure = failure(() -> client.complete(call("claude-bad", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT));
        assertEquals(status, failure.status());
        assertFalse(failure.retryable());
        assertFalse(failure.getMessage().contains(ProtocolsResource.ANTHROPIC_KEY), "an echoed key is redacted");
    }

    @Test
    void aKeyEchoedWhereTheErrorMessageIsShortenedLeavesNoFragment() {
        // "authentication_error: " + 258 characters: the 300-character cut falls inside the key.
        String key = ProtocolsResource.ANTHROPIC_KEY;
        anthropic.script("claude-long", new FakeUpstream.Status(401, "x".repeat(258) + key + " more", Map.of()));
        UpstreamFailure failure = failure(() -> client.complete(call("claude-long", Sampling.NONE,
                new Message("user", "hi"))).await().atMost(WAIT));
        assertFalse(failure.getMessage().contains(key.substring(0, 8)), failure.getMessage());
    }

    @Test
    void streamsTextDeltasThenOneFinishedWithTheUsage() {
        anthropic.script("claude-s", new FakeUpstream.Answer("a streamed answer", "max_tokens"));
        List<CompletionEvent> events = client.stream(call("claude-s", Sampling.NONE, CONVERSATION))
                .collect().asList().await().atMost(WAIT);

        FakeUpstream.Recorded request = anthropic.only("claude-s");
        assertTrue(request.body().path("stream").asBoolean(), request.body().toString());
        assertTrue(events.size() > 2, "several deltas: " + events);
        String text = events.stream().filter(e -> e instanceof CompletionEvent.Delta)
                .map(e -> ((CompletionEvent.Delta) e).content()).collect(Collectors.joining());
        assertEquals("a streamed answer", text);
        CompletionEvent.Finished finished = assertInstanceOf(CompletionEvent.Finished.class, events.get(events.size() - 1));
        assertEquals("length", finished.finishReason());
        long input = request.usage().path("input_tokens").asLong() + FakeAnthropic.CACHE_READ_TOKENS;
        assertEquals(input, finished.usage().promptTokens(), "input and cache counts from message_start");
        assertEquals("a streamed answer".length(), finished.usage().completionTokens(), "output from message_delta");
        assertEquals(FakeAnthropic.CACHE_READ_TOKENS, finished.usage().cachedTokens());
    }

    @Test
    void anErrorEventFailsTheStreamAsItsStatusWould() {
        anthropic.script("claude-broken", new FakeAnthropic.StreamError("overloaded_error", "Overloaded"));
        UpstreamFailure failure = failure(() -> client.stream(call("claude-broken", Sampling.NONE, new Message("user", "hi")))
                .collect().asList().await().atMost(WAIT));
        assertEquals(529, failure.status());
        assertTrue(failure.retryable());
        assertTrue(failure.getMessage().contains("overloaded_error: Overloaded"), failure.getMessage());
    }

    @Test
    void anErrorStatusFailsTheStreamWithItsStatusAndRetryAfter() {
        anthropic.script("claude-limited", new FakeUpstream.Status(429, "too many", Map.of("retry-after", "2")));
        UpstreamFailure failure = failure(() -> client.stream(call("claude-limited", Sampling.NONE, new Message("user", "hi")))
                .collect().asList().await().atMost(WAIT));
        assertEquals(429, failure.status());
        assertTrue(failure.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(2)), failure.retryAfter());
        assertTrue(failure.getMessage().contains("rate_limit_error: too many"), failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anEndlessBodyIsCutAtMaxResponseBytesAndItsConnectionClosed(boolean streamed) throws Exception {
        ChatClient bounded = clients.forProvider(MixDocuments.parseProvider("claude", "provider \"claude\"", JSON.readTree(
                "{\"protocol\": \"anthropic\", \"base_url\": \"" + anthropic.baseUrl() + "\", \"max_response_bytes\": 65536}")),
                Optional.of(ProtocolsResource.ANTHROPIC_KEY));
        anthropic.script("claude-endless", new FakeUpstream.Endless());
        CompletionCall call = call("claude-endless", Sampling.NONE, new Message("user", "hi"));

        UpstreamFailure failure = failure(() -> {
            if (streamed) {
                bounded.stream(call).collect().asList().await().atMost(WAIT);
            } else {
                bounded.complete(call).await().atMost(WAIT);
            }
        });

        assertFalse(failure.retryable(), failure.getMessage());
        assertTrue(failure.getMessage().contains("65536"), failure.getMessage());
        assertTrue(anthropic.awaitDisconnects("claude-endless", 1), "the endless body's connection was closed");
    }

    @Test
    void invalidUtf8InAnAnswerIsDecodedWithReplacementCharacters() {
        byte[] broken = ("{\"type\": \"message\", \"content\": [{\"type\": \"text\", \"text\": \"caf\u00ff!\"}],"
                + " \"stop_reason\": \"end_turn\", \"usage\": {\"input_tokens\": 1, \"output_tokens\": 1}}")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        anthropic.script("claude-latin1", new FakeUpstream.Bytes(200, broken));

        Completion answer = client.complete(call("claude-latin1", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT);

        assertEquals("caf\uFFFD!", answer.content());
    }

    @Test
    void cancellingAStreamClosesTheRequest() throws Exception {
        anthropic.script("claude-hang", new FakeUpstream.Hang());
        Cancellable subscription = client.stream(call("claude-hang", Sampling.NONE, new Message("user", "hi")))
                .subscribe().with(event -> { }, failure -> { });
        assertTrue(anthropic.awaitHanging("claude-hang"));
        subscription.cancel();
        assertTrue(anthropic.awaitDisconnects("claude-hang", 1), "the cancelled stream's request was closed");
    }

    @Test
    void toolsAndToolTurnsBecomeAnthropicBlocksAndToolUseComesBackAsToolCalls() throws Exception {
        anthropic.script("claude-tools", new FakeAnthropic.ToolUse("toolu_1", "get_weather", "{\"city\":\"Paris\",\"day\":2}"));
        Completion answer = client.complete(new CompletionCall("claude-tools", WeatherTool.TURNS, Sampling.NONE,
                WeatherTool.offered("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}"))).await().atMost(WAIT);

        JsonNode body = anthropic.only("claude-tools").body();
        assertEquals("{\"name\":\"get_weather\",\"description\":\"Weather of a city\",\"input_schema\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}", body.at("/tools/0").toString());
        assertEquals("{\"type\":\"tool\",\"name\":\"get_weather\",\"disable_parallel_tool_use\":true}",
                body.path("tool_choice").toString());
        JsonNode messages = body.path("messages");
        assertEquals(3, messages.size(), "user, assistant, user (the tool result and the next question)");
        assertEquals("Weather in Paris?", messages.at("/0/content").asText());
        assertEquals("[{\"type\":\"text\",\"text\":\"Checking.\"},{\"type\":\"tool_use\",\"id\":\"call_1\","
                + "\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]", messages.at("/1/content").toString());
        assertEquals("user", messages.at("/2/role").asText());
        assertEquals("[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\",\"content\":\"18 C, sunny\"},"
                + "{\"type\":\"text\",\"text\":\"And tomorrow?\"}]", messages.at("/2/content").toString());

        assertEquals("tool_calls", answer.finishReason());
        assertEquals("let me look", answer.content());
        assertEquals(List.of(new ToolCall("toolu_1", "get_weather", "{\"city\":\"Paris\",\"day\":2}")), answer.toolCalls());
    }

    @Test
    void requiredIsAnyAndAStreamedToolUseArrivesAsToolCallDeltas() throws Exception {
        anthropic.script("claude-stream-tools", new FakeAnthropic.ToolUse("toolu_2", "get_weather", "{\"city\":\"Rome\"}"));
        List<CompletionEvent> events = client.stream(new CompletionCall("claude-stream-tools",
                List.of(new Message("user", "Rome?")), Sampling.NONE, WeatherTool.offered("\"required\""))).collect().asList()
                .await().atMost(WAIT);
        assertEquals("any", anthropic.only("claude-stream-tools").body().at("/tool_choice/type").asText());
        List<CompletionEvent.ToolCallDelta> deltas = toolCallDeltas(events);
        assertEquals(new CompletionEvent.ToolCallDelta(0, "toolu_2", "get_weather", null), deltas.get(0),
                "the first tool call is index 0, though it is content block 1");
        assertEquals("{\"city\":\"Rome\"}", streamedArguments(deltas));
        assertEquals("tool_calls", ((CompletionEvent.Finished) events.get(events.size() - 1)).finishReason());
    }

    /** The error types Anthropic sends with each status, as the fake sends them. */
    private static final class FakeAnthropicErrorTypes {
        static String of(int status) {
            return switch (status) {
                case 429 -> "rate_limit_error";
                case 529 -> "overloaded_error";
                default -> "api_error";
            };
        }
    }
}
