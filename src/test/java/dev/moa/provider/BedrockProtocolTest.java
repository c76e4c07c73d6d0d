package dev.moa.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.MixDocuments;
import dev.moa.mix.ProviderConfig;
import dev.moa.mix.Sampling;
import dev.moa.provider.bedrock.BedrockClients;
import dev.moa.testing.FakeBedrock;
import dev.moa.testing.FakeUpstream;
import io.smallrye.mutiny.subscription.Cancellable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.moa.provider.CallOutcome.failure;
import static dev.moa.provider.CallOutcome.streamedArguments;
import static dev.moa.provider.CallOutcome.toolCallDeltas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Bedrock client (the AWS SDK's async client on Netty) against a Converse / ConverseStream peer: SigV4-signed
 * requests, answers, each error type, streams in event-stream framing, cancellation.
 */
class BedrockProtocolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCESS_KEY_ID = "AKIDBEDROCKTEST";
    private static final String SECRET = "bedrock-test-secret-never-show-me";
    private static final String PROFILE = "us.anthropic.claude-sonnet-4-6";

    private static FakeBedrock bedrock;
    private static BedrockClients clients;
    private ChatClient client;

    @BeforeAll
    static void start() {
        bedrock = new FakeBedrock();
        clients = new BedrockClients();
        System.setProperty("aws.accessKeyId", ACCESS_KEY_ID);
        System.setProperty("aws.secretAccessKey", SECRET);
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        clients.close();
        bedrock.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        bedrock.reset();
        client = clients.forProvider(provider("{\"protocol\": \"bedrock\", \"region\": \"eu-central-1\", \"base_url\": \""
                + bedrock.endpoint() + "\"}"));
    }

    private static ProviderConfig provider(String json) throws Exception {
        return MixDocuments.parseProvider("bedrock", "provider \"bedrock\"", JSON.readTree(json));
    }

    private static CompletionCall call(String model, Sampling sampling, Message... messages) {
        return new CompletionCall(model, List.of(messages), sampling);
    }

    private static final Message[] CONVERSATION = {
            new Message("system", "Be brief."), new Message("user", "first"), new Message("user", "second"),
            new Message("assistant", "an answer"), new Message("user", "third")};

    @Test
    void sendsASignedConverseRequestForAnInferenceProfile() {
        Completion answer = client.complete(call(PROFILE, new Sampling(0.5, 256, 0.9, List.of("END")), CONVERSATION))
                .await().atMost(WAIT);

        FakeUpstream.Recorded request = bedrock.only(PROFILE);
        assertEquals("Converse", FakeBedrock.operation(request));
        Matcher sigv4 = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
                + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})").matcher(request.header("authorization"));
        assertTrue(sigv4.matches(), request.header("authorization"));
        assertEquals(ACCESS_KEY_ID, sigv4.group(1));
        assertEquals("eu-central-1", sigv4.group(3), "signed for the document's region");
        assertEquals("bedrock", sigv4.group(4), "signed for service bedrock");
        assertTrue(List.of(sigv4.group(5).split(";")).containsAll(List.of("host", "x-amz-date")), sigv4.group(5));
        assertNull(request.header("x-api-key"));
        assertFalse(request.headers().toString().contains(SECRET), "the secret key never travels");

        JsonNode body = request.body();
        assertEquals("Be brief.", body.at("/system/0/text").asText());
        assertEquals(List.of("user:first\n\nsecond", "assistant:an answer", "user:third"),
                request.messages().stream().map(m -> m.path("role").asText() + ":" + m.at("/content/0/text").asText())
                        .toList());
        JsonNode inference = body.path("inferenceConfig");
        assertEquals(256, inference.path("maxTokens").asInt());
        assertEquals(0.5, inference.path("temperature").asDouble(), 1e-6);
        assertEquals(0.9, inference.path("topP").asDouble(), 1e-6);
        assertEquals("[\"END\"]", inference.path("stopSequences").toString());

        assertEquals("answer from " + PROFILE, answer.content());
        assertEquals("stop", answer.finishReason());
        JsonNode usage = request.usage();
        assertEquals(new Usage(usage.path("inputTokens").asLong(), usage.path("outputTokens").asLong(),
                usage.path("totalTokens").asLong()), answer.usage());
    }

    @Test
    void invalidUtf8InAnAnswerIsDecodedWithReplacementCharacters() {
        byte[] broken = ("{\"output\": {\"message\": {\"role\": \"assistant\", \"content\": [{\"text\": \"caf\u00ff!\"}]}},"
                + " \"stopReason\": \"end_turn\", \"usage\": {\"inputTokens\": 1, \"outputTokens\": 1, \"totalTokens\": 2},"
                + " \"metrics\": {\"latencyMs\": 1}}").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        bedrock.script("amazon.nova-latin1", new FakeUpstream.Bytes(200, broken));

        Completion answer = client.complete(call("amazon.nova-latin1", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT);

        assertEquals("caf\uFFFD!", answer.content());
    }

    @Test
    void theDocumentsMaxTokensIsTheDefault() throws Exception {
        ChatClient withDefault = clients.forProvider(provider("{\"protocol\": \"bedrock\", \"region\": \"eu-central-1\", "
                + "\"base_url\": \"" + bedrock.endpoint() + "\", \"max_tokens\": 99}"));
        withDefault.complete(call("amazon.nova-lite-v1:0", Sampling.NONE, new Message("user", "hi"))).await().atMost(WAIT);
        assertEquals(99, bedrock.only("amazon.nova-lite-v1:0").body().at("/inferenceConfig/maxTokens").asInt());
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "max_tokens,length", "tool_use,tool_calls",
            "content_filtered,content_filter", "guardrail_intervened,content_filter"})
    void stopReasonsBecomeOpenAiFinishReasons(String stopReason, String finishReason) {
        bedrock.script("m", new FakeUpstream.Answer("text", stopReason));
        assertEquals(finishReason, client.complete(call("m", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT).finishReason());
    }

    @ParameterizedTest
    @CsvSource({"429,ThrottlingException,true", "503,ServiceUnavailableException,true",
            "408,ModelTimeoutException,true", "500,InternalServerException,true",
            "400,ValidationException,false", "403,AccessDeniedException,false", "404,ResourceNotFoundException,false"})
    void eachErrorIsMapped(int status, String type, boolean retryable) {
        bedrock.script("m-err", new FakeBedrock.Error(status, type, "went wrong"));
        UpstreamFailure failure = failure(() -> client.complete(call("m-err", Sampling.NONE, new Message("user", "hi")))
                .await().atMost(WAIT));
        assertEquals(status, failure.status());
        assertEquals(retryable, failure.retryable(), failure.getMessage());
        assertTrue(failure.getMessage().contains(type + ": went wrong"), failure.getMessage());
        assertEquals(1, bedrock.requests("m-err").size(), "the SDK itself does not retry");
    }

    @Test
    void streamsDeltasThenOneFinishedWithTheUsage() {
        bedrock.script("m-s", new FakeUpstream.Answer("a streamed answer", "max_tokens"));
        List<CompletionEvent> events = client.stream(call("m-s", Sampling.NONE, CONVERSATION))
                .collect().asList().await().atMost(WAIT);

        FakeUpstream.Recorded request = bedrock.only("m-s");
        assertEquals("ConverseStream", FakeBedrock.operation(request));
        assertTrue(request.header("authorization").contains("/eu-central-1/bedrock/aws4_request"));
        assertTrue(events.size() > 2, "several deltas: " + events);
        assertEquals("a streamed answer", events.stream().filter(e -> e instanceof CompletionEvent.Delta)
                .map(e -> ((CompletionEvent.Delta) e).content()).collect(Collectors.joining()));
        CompletionEvent.Finished finished = assertInstanceOf(CompletionEvent.Finished.class, events.get(events.size() - 1));
        assertEquals("length", finished.finishReason());
        assertEquals(request.usage().path("totalTokens").asLong(), finished.usage().totalTokens());
        assertEquals("a streamed answer".length(), finished.usage().completionTokens());
    }

    @ParameterizedTest
    @CsvSource({"throttlingException,429,true", "serviceUnavailableException,503,true",
            "internalServerException,500,true", "validationException,400,false"})
    void anExceptionInsideTheStreamIsMappedLikeTheResponse(String member, int status, boolean retryable) {
        bedrock.script("m-broken", new FakeBedrock.StreamError(member, "mid-stream trouble"));
        UpstreamFailure failure = failure(() -> client.stream(call("m-broken", Sampling.NONE, new Message("user", "hi")))
                .collect().asList().await().atMost(WAIT));
        assertEquals(status, failure.status(), failure.getMessage());
        assertEquals(retryable, failure.retryable());
        assertTrue(failure.getMessage().contains("mid-stream trouble"), failure.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anEndlessBodyIsCutAtMaxResponseBytesAndItsConnectionClosed(boolean streamed) throws Exception {
        ChatClient bounded = clients.forProvider(provider("{\"protocol\": \"bedrock\", \"region\": \"eu-central-1\", "
                + "\"base_url\": \"" + bedrock.endpoint() + "\", \"max_response_bytes\": 65536}"));
        bedrock.script("m-endless", new FakeUpstream.Endless());
        CompletionCall call = call("m-endless", Sampling.NONE, new Message("user", "hi"));

        UpstreamFailure failure = failure(() -> {
            if (streamed) {
                bounded.stream(call).collect().asList().await().atMost(WAIT);
            } else {
                bounded.complete(call).await().atMost(WAIT);
            }
        });

        assertEquals(UpstreamFailure.Kind.RESPONSE_TOO_LARGE, failure.kind(), failure.getMessage());
        assertTrue(failure.getMessage().contains("65536"), failure.getMessage());
        assertTrue(bedrock.awaitDisconnects("m-endless", 1), "the endless body's connection was closed");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void cancellingClosesTheRequest(boolean streamed) throws Exception {
        bedrock.script("m-hang", new FakeUpstream.Hang());
        Cancellable subscription = streamed
                ? client.stream(call("m-hang", Sampling.NONE, new Message("user", "hi"))).subscribe().with(e -> { }, f -> { })
                : client.complete(call("m-hang", Sampling.NONE, new Message("user", "hi"))).subscribe().with(c -> { }, f -> { });
        assertTrue(bedrock.awaitHanging("m-hang"));
        subscription.cancel();
        assertTrue(bedrock.awaitDisconnects("m-hang", 1), "the cancelled call's request was closed");
    }

    @Test
    void withoutARegionOnlyThisProvidersCallsFailAndSaySo() throws Exception {
        String region = System.getProperty("aws.region");
        System.clearProperty("aws.region");
        // No profile file either: the region chain must come up empty.
        System.setProperty("aws.configFile", "/nonexistent/moa-test-aws-config");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("AWS_REGION") == null
                && System.getenv("AWS_DEFAULT_REGION") == null, "the environment names a region");
        try (BedrockClients fresh = new BedrockClients()) {
            ChatClient noRegion = fresh.forProvider(provider("{\"protocol\": \"bedrock\"}"));
            UpstreamFailure failure = failure(() -> noRegion.complete(call("m", Sampling.NONE, new Message("user", "hi")))
                    .await().atMost(WAIT));
            assertEquals(UpstreamFailure.Kind.NOT_CONFIGURED, failure.kind());
            assertTrue(failure.getMessage().contains("region"), failure.getMessage());
        } finally {
            System.clearProperty("aws.configFile");
            if (region != null) {
                System.setProperty("aws.region", region);
            }
        }
    }

    @Test
    void toolsAndToolTurnsBecomeConverseBlocksAndToolUseComesBackAsToolCalls() throws Exception {
        bedrock.script("m-tools", new FakeBedrock.ToolUse("tooluse_1", "get_weather", "{\"city\":\"Paris\",\"day\":2}"));
        Completion answer = client.complete(new CompletionCall("m-tools", WeatherTool.TURNS, Sampling.NONE,
                WeatherTool.offered("\"required\""))).await().atMost(WAIT);

        JsonNode body = bedrock.only("m-tools").body();
        JsonNode spec = body.at("/toolConfig/tools/0/toolSpec");
        assertEquals("get_weather", spec.path("name").asText());
        assertEquals("Weather of a city", spec.path("description").asText());
        assertEquals("[\"city\"]", spec.at("/inputSchema/json/required").toString());
        assertTrue(body.at("/toolConfig/toolChoice/any").isObject(), body.path("toolConfig").toString());
        JsonNode messages = body.path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("Checking.", messages.at("/1/content/0/text").asText());
        assertEquals("{\"toolUseId\":\"call_1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}",
                messages.at("/1/content/1/toolUse").toString());
        assertEquals("user", messages.at("/2/role").asText());
        assertEquals("call_1", messages.at("/2/content/0/toolResult/toolUseId").asText());
        assertEquals("18 C, sunny", messages.at("/2/content/0/toolResult/content/0/text").asText());
        assertEquals("And tomorrow?", messages.at("/2/content/1/text").asText());

        assertEquals("tool_calls", answer.finishReason());
        assertEquals("let me look", answer.content());
        assertEquals(1, answer.toolCalls().size());
        assertEquals("tooluse_1", answer.toolCalls().get(0).id());
        assertEquals(JSON.readTree("{\"city\":\"Paris\",\"day\":2}"), JSON.readTree(answer.toolCalls().get(0).arguments()));
    }

    @Test
    void aStreamedToolUseArrivesAsToolCallDeltas() throws Exception {
        bedrock.script("m-stream-tools", new FakeBedrock.ToolUse("tooluse_2", "get_weather", "{\"city\":\"Rome\"}"));
        List<CompletionEvent> events = client.stream(new CompletionCall("m-stream-tools",
                List.of(new Message("user", "Rome?")), Sampling.NONE, WeatherTool.offered(null))).collect().asList()
                .await().atMost(WAIT);
        List<CompletionEvent.ToolCallDelta> deltas = toolCallDeltas(events);
        assertEquals(new CompletionEvent.ToolCallDelta(0, "tooluse_2", "get_weather", null), deltas.get(0));
        assertEquals("{\"city\":\"Rome\"}", streamedArguments(deltas));
        assertEquals("tool_calls", ((CompletionEvent.Finished) events.get(events.size() - 1)).finishReason());
    }
}
