package dev.moa.provider;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseDecoderTest {

    private final List<String> events = new ArrayList<>();

    private SseDecoder decoder(int maxLine, long maxTotal) {
        return new SseDecoder(maxLine, maxTotal, events::add);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eventsComeOutAsSoonAsTheirBlankLineArrivesWhereverTheBytesAreSplit() {
        SseDecoder decoder = decoder(1024, 1 << 20);
        decoder.feed(bytes(": comment\n\ndata: {\"a\""));
        assertTrue(events.isEmpty());
        decoder.feed(bytes(":1}\r\n"));
        assertTrue(events.isEmpty(), "not before the blank line");
        decoder.feed(bytes("\r\nevent: x\ndata:no-space\n\n"));
        assertEquals(List.of("{\"a\":1}", "no-space"), events);
    }

    @Test
    void dataLinesOfOneEventJoinWithNewlinesAndALastEventWithoutBlankLineCounts() {
        SseDecoder decoder = decoder(1024, 1 << 20);
        decoder.feed(bytes("data: one\ndata: two\n\ndata: [DONE]"));
        decoder.end();
        assertEquals(List.of("one\ntwo", "[DONE]"), events);
    }

    @Test
    void aLineOrAStreamOverItsBoundFails() {
        assertThrows(UpstreamFailure.class, () -> decoder(8, 1 << 20).feed(bytes("data: 0123456789\n\n")));
        SseDecoder small = decoder(1024, 16);
        small.feed(bytes("data: 1\n\n"));
        assertThrows(UpstreamFailure.class, () -> small.feed(bytes("data: 0123456789\n\n")));
    }
}
