package dev.moa.api.messages;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.gateway.GuardNotes;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Anthropic's {@code ping} events while the mix has not answered (the proposers' time): Claude Code and the SDK
 * keep the connection open on them. Over HTTP on the server build: {@code ServerStreamingIT}.
 */
class MessageEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PING = "event: ping\ndata: {\"type\":\"ping\"}\n\n";

    @Test
    void pingsGoOutWhileTheMixWorks() {
        AssertSubscriber<String> frames = new MessageEvents(JSON, "msg_1", "mix", AnthropicErrors::body, false,
                new GuardNotes()).frames(Uni.createFrom().nothing(), Duration.ofMillis(5))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        frames.awaitItems(2, WAIT);
        assertEquals(PING, frames.getItems().get(0));
        assertEquals(PING, frames.getItems().get(1));
        frames.cancel();
    }
}
