package dev.moa.provider.openai;

import dev.moa.mix.Sampling;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Message;
import dev.moa.provider.UpstreamFailure;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.OpenAiLoopback;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI client's streamed call against a real SSE peer on loopback: no Quarkus, a plain Vert.x. */
class OpenAiStreamingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MAX_BYTES = 1 << 20;
    private static final String KEY = "sk-stream-test-0123456789abcdef";
    @AutoClose
    private static OpenAiLoopback loopback;
    private static FakeUpstream upstream;
    private static OpenAiChatClient client;

    @BeforeAll
    static void start() {
        loopback = OpenAiLoopback.start(Map.of("X-Team", "streams"), Optional.of(KEY), MAX_BYTES);
        upstream = loopback.upstream();
        client = loopback.client();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    private static CompletionCall call(String model) {
        return new CompletionCall(model, List.of(new Message(Message.USER, "hi")), Sampling.NONE);
    }

    private static List<CompletionEvent> events(String model) {
        return client.stream(call(model)).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(WAIT).getItems();
    }

    @Test
    void deltasArriveInOrderThenOneFinishedWithTheUsage() {
        upstream.script("m", FakeUpstream.Streamed.of("Hel", "lo", " world"));
        List<CompletionEvent> events = events("m");

        assertEquals(List.of(new CompletionEvent.Delta("Hel"), new CompletionEvent.Delta("lo"),
                new CompletionEvent.Delta(" world")), events.subList(0, 3));
        CompletionEvent.Finished finished = assertInstanceOf(CompletionEvent.Finished.class, events.get(3));
        assertEquals("stop", finished.finishReason());
        assertEquals(upstream.only("m").usage().path("total_tokens").asLong(), finished.usage().totalTokens());
        assertEquals(4, events.size());
        FakeUpstream.Recorded request = upstream.only("m");
        assertTrue(request.body().path("stream").asBoolean());
        assertTrue(request.body().path("stream_options").path("include_usage").asBoolean());
        assertEquals("Bearer " + KEY, request.header("Authorization"));
        assertEquals("streams", request.header("X-Team"));
    }

    @Test
    void theFirstDeltaArrivesWhileTheUpstreamIsStillAnswering() {
        CountDownLatch gate = new CountDownLatch(1);
        upstream.script("m", FakeUpstream.Streamed.of("first", " second").gated(gate));
        AssertSubscriber<CompletionEvent> events = client.stream(call("m")).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        events.awaitItems(1, WAIT);
        assertEquals(List.of(new CompletionEvent.Delta("first")), events.getItems());
        assertTrue(upstream.requests("m").isEmpty(), "the upstream has not finished its answer yet");
        gate.countDown();
        events.awaitCompletion(WAIT);
        assertEquals(new CompletionEvent.Delta(" second"), events.getItems().get(1));
    }

    @Test
    void aConnectionThatClosesMidAnswerIsAFailureAfterTheDeltasSoFar() {
        upstream.script("m", FakeUpstream.Streamed.of("partial").ending(FakeUpstream.Ending.DROP));
        AssertSubscriber<CompletionEvent> events = client.stream(call("m")).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitFailure(WAIT);

        assertEquals(List.of(new CompletionEvent.Delta("partial")), events.getItems());
        UpstreamFailure failure = assertInstanceOf(UpstreamFailure.class, events.getFailure());
        assertEquals(UpstreamFailure.Kind.CONNECTION, failure.kind());
    }

    @Test
    void cancellingClosesTheUpstreamConnection() throws InterruptedException {
        upstream.script("m", FakeUpstream.Streamed.of("one").ending(FakeUpstream.Ending.STALL));
        AssertSubscriber<CompletionEvent> events = client.stream(call("m")).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        events.awaitItems(1, WAIT);

        events.cancel();
        assertTrue(upstream.awaitDisconnects("m", 1), "the upstream saw its connection close");
    }

    @Test
    void anErrorStatusIsAFailureWithTheUpstreamsMessageAndNoKey() {
        upstream.script("m", new FakeUpstream.Status(429, "slow down, " + KEY, Map.of("Retry-After", "2")));
        AssertSubscriber<CompletionEvent> events = client.stream(call("m")).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitFailure(WAIT);

        UpstreamFailure failure = assertInstanceOf(UpstreamFailure.class, events.getFailure());
        assertEquals(429, failure.status());
        assertEquals(Optional.of(Duration.ofSeconds(2)), failure.retryAfter());
        assertTrue(failure.getMessage().contains("slow down"), failure.getMessage());
        assertTrue(!failure.getMessage().contains(KEY), failure.getMessage());
    }

    @Test
    void anUpstreamThatAnswersInOnePieceGivesOneDelta() {
        upstream.script("m", new FakeUpstream.Answer("whole answer", "length"));
        List<CompletionEvent> events = events("m");

        assertEquals(new CompletionEvent.Delta("whole answer"), events.get(0));
        assertEquals("length", ((CompletionEvent.Finished) events.get(1)).finishReason());
    }

    @Test
    void aLineLongerThanTheBoundFailsInsteadOfBuffering() {
        upstream.script("m", FakeUpstream.Streamed.of("x".repeat(OpenAiStreaming.MAX_LINE_BYTES + 1)));
        AssertSubscriber<CompletionEvent> events = client.stream(call("m")).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitFailure(WAIT);

        UpstreamFailure failure = assertInstanceOf(UpstreamFailure.class, events.getFailure());
        assertEquals(UpstreamFailure.Kind.BAD_RESPONSE, failure.kind());
        assertTrue(failure.getMessage().contains("longer than"), failure.getMessage());
    }
}
