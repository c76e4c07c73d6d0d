package dev.moa.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A streamed answer's transport rules, the same for every protocol's events: where the transport streams, frames
 * go out as they are produced, with keep-alives every {@code keepAlive} and a failure before the first frame as an
 * ordinary error response ({@link EventStreamBody}); where it buffers (Lambda behind API Gateway, a batch line),
 * the same frames are collected first, without keep-alives, and held to Lambda's 6 MB response limit.
 */
public final class SseResponder {

    private static final MediaType TYPE = MediaType.SERVER_SENT_EVENTS_TYPE.withCharset("utf-8");

    private SseResponder() {
    }

    /**
     * @param frames given the keep-alive interval, the encoded frames of the answer
     * @param failed a failure before the first frame, as the protocol's HTTP error response
     */
    public static Uni<Response> respond(Function<Duration, Multi<String>> frames, boolean streams,
                                        Duration keepAlive, boolean traced,
                                        Function<Throwable, EventStreamBody.ErrorReply> failed) {
        if (!streams) {
            // No keep-alives: nothing is sent before the end anyway.
            return frames.apply(Duration.ofDays(1)).collect().with(Collectors.joining())
                    .map(text -> {
                        // The platform's 6 MB response limit (issue 10), as for every buffered answer.
                        ResponseSize.check(text.getBytes(StandardCharsets.UTF_8), traced);
                        return Response.ok(text, TYPE).build();
                    });
        }
        EventStreamBody body = new EventStreamBody(frames.apply(keepAlive), failed);
        return Uni.createFrom().item(Response.ok(body, TYPE)
                // Proxies (nginx and the like) must pass chunks on at once rather than collect them.
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no")
                .build());
    }
}
