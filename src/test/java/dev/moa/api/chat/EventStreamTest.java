package dev.moa.api.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.MixResult;
import dev.moa.engine.StreamedMix;
import dev.moa.provider.Completion;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frames of a streamed answer, from engine events; no server. */
class EventStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static MixResult result(String text, Usage usage) {
        return new MixResult(new Completion(text, "stop", usage), usage, List.of(), Duration.ofMillis(5));
    }

    private static List<String> frames(boolean includeUsage, Multi<AnswerEvent> answer) {
        return new EventStream(JSON, "chatcmpl-1", 1, "mix", includeUsage, false)
                .frames(Uni.createFrom().item(new StreamedMix(List.of(), answer)), Duration.ofMinutes(1))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitCompletion(WAIT).getItems();
    }

    private static JsonNode data(String frame) {
        assertTrue(frame.startsWith("data: ") && frame.endsWith("\n\n"), frame);
        try {
            return JSON.readTree(frame.substring(6));
        } catch (Exception e) {
            throw new AssertionError(frame, e);
        }
    }

    @Test
    void roleThenEachFragmentThenFinishUsageAndDone() {
        Usage usage = new Usage(3, 4, 7);
        List<String> frames = frames(true, Multi.createFrom().items(new AnswerEvent.Delta("Hel"),
                new AnswerEvent.Delta("lo"), new AnswerEvent.Completed(result("Hello", usage))));

        assertEquals(6, frames.size(), frames.toString());
        assertEquals("assistant", data(frames.get(0)).path("choices").path(0).path("delta").path("role").asText());
        assertEquals("Hel", data(frames.get(1)).path("choices").path(0).path("delta").path("content").asText());
        assertEquals("lo", data(frames.get(2)).path("choices").path(0).path("delta").path("content").asText());
        assertEquals("stop", data(frames.get(3)).path("choices").path(0).path("finish_reason").asText());
        assertEquals(7, data(frames.get(4)).path("usage").path("total_tokens").asLong());
        assertEquals(0, data(frames.get(4)).path("choices").size());
        assertEquals("data: [DONE]\n\n", frames.get(5));
    }

    @Test
    void aFailureAfterTheFirstFragmentIsAnErrorEventWithoutDone() {
        UpstreamFailure broke = UpstreamFailure.connection("reset");
        List<String> frames = frames(false, Multi.createFrom().items(new AnswerEvent.Delta("Hel"),
                new AnswerEvent.Interrupted(broke, result("Hel", Usage.ZERO))));

        JsonNode error = data(frames.get(frames.size() - 1)).path("error");
        assertEquals("upstream_failed", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("reset"), error.toString());
        assertTrue(frames.stream().noneMatch(f -> f.contains("[DONE]")));
    }

    @Test
    void aFailureBeforeAnyFrameFailsTheFrames() {
        AssertSubscriber<String> frames = new EventStream(JSON, "chatcmpl-1", 1, "mix", false, false)
                .frames(Uni.createFrom().failure(new IllegalStateException("boom")), Duration.ofMinutes(1))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE)).awaitFailure(WAIT);
        assertTrue(frames.getItems().isEmpty());
    }

    @Test
    void commentsKeepTheConnectionAliveWhileTheMixWorks() {
        AssertSubscriber<String> frames = new EventStream(JSON, "chatcmpl-1", 1, "mix", false, false)
                .frames(Uni.createFrom().nothing(), Duration.ofMillis(5))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        frames.awaitItems(2, WAIT);
        assertEquals(EventStream.KEEP_ALIVE, frames.getItems().get(0));
        frames.cancel();
    }
}
