package dev.moa.provider;

import dev.moa.LogText;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactorTest {

    private static final String KEY = "sk-proj-4f9a1c7e2b8d6035aa19";
    private final Redactor redactor = Redactor.of(KEY, "short-key", "");

    @Test
    void wholeKeysAndFragmentsOfTwelveOrMoreCharactersAreRedacted() {
        assertEquals("key: [redacted].", redactor.redact("key: " + KEY + "."));
        assertEquals("cut: [redacted]…", redactor.redact("cut: " + KEY.substring(0, 12) + "…"));
        assertEquals("mid [redacted] end", redactor.redact("mid " + KEY.substring(5, 22) + " end"));
        assertEquals("two [redacted] and [redacted]", redactor.redact("two " + KEY + " and " + KEY.substring(10)));
        assertEquals("a [redacted] b", redactor.redact("a short-key b"));
    }

    @Test
    void elevenCharactersOfAKeyAndOtherTextStay() {
        String eleven = KEY.substring(3, 14);
        assertEquals("eleven " + eleven, redactor.redact("eleven " + eleven));
        String text = "nothing secret here, sk-proj- is a common prefix";
        assertSame(text, redactor.redact(text));
        assertNull(redactor.redact((String) null));
        assertSame(text, Redactor.NONE.redact(text));
    }

    @Test
    void fragmentsSplicedTogetherFromDifferentKeysAreRedacted() {
        Redactor two = Redactor.of(KEY, "another-secret-value-0042");
        String text = KEY.substring(0, 13) + "another-secret-v";
        assertEquals("[redacted]", two.redact(text));
    }

    @Test
    void aMultiMegabyteTextIsRedactedInOnePass() {
        Random random = new Random(42);
        StringBuilder text = new StringBuilder();
        while (text.length() < 8_000_000) {
            text.append((char) ('a' + random.nextInt(26)));
            if (random.nextInt(1_000_000) == 0) {
                text.append(KEY, 0, 12 + random.nextInt(KEY.length() - 12));
            }
        }
        text.append(KEY);
        String redacted = redactor.redact(text.toString());
        for (int i = 0; i + 12 <= KEY.length(); i++) {
            assertFalse(redacted.contains(KEY.substring(i, i + 12)));
        }
        assertTrue(redacted.endsWith("[redacted]"));
        assertTrue(redacted.length() > 7_900_000);
    }

    @Test
    void failuresAndCompletionsAreRedactedKeepingTheirKind() {
        UpstreamFailure failure = redactor.redact(UpstreamFailure.status(429, "echo " + KEY, Duration.ofSeconds(1)));
        assertEquals("HTTP 429: echo [redacted]", failure.getMessage());
        assertEquals(429, failure.status());
        assertEquals(Duration.ofSeconds(1), failure.retryAfter().orElseThrow());
        Completion completion = redactor.redact(new Completion(KEY, "stop", Usage.ZERO));
        assertEquals("[redacted]", completion.content());
    }

    @Test
    void logTextEscapesControlCharacters() {
        assertEquals("a\\r\\nINFO forged\\u001b[2J\\u2028\\t", LogText.escape("a\r\nINFO forged\u001b[2J\u2028\t"));
        String clean = "plain text, ünïcode";
        assertSame(clean, LogText.escape(clean));
    }

    @Test
    void usageNeverGoesNegativeAndSaturates() {
        Usage huge = Usage.reported(Long.MAX_VALUE, 5, null);
        assertEquals(new Usage(Long.MAX_VALUE, 5, Long.MAX_VALUE), huge);
        assertEquals(new Usage(0, 0, 0), Usage.reported(-1, -2, -3L));
        assertEquals(Long.MAX_VALUE, huge.plus(huge).promptTokens());
        assertEquals(7, Usage.reported(3, 4, null).totalTokens());
    }

    @Test
    void retryAfterInSecondsMillisecondsAndHttpDates() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        assertEquals(Duration.ZERO, RetryAfter.parse("0", null, clock));
        assertEquals(Duration.ofSeconds(3), RetryAfter.parse(" 3 ", null, clock));
        assertEquals(Duration.ofMillis(1500), RetryAfter.parse("1.5", null, clock));
        assertEquals(Duration.ofMillis(250), RetryAfter.parse("9", "250", clock), "retry-after-ms wins");
        assertEquals(Duration.ofSeconds(5), RetryAfter.parse("Thu, 01 Jan 2026 00:00:05 GMT", null, clock));
        assertEquals(Duration.ZERO, RetryAfter.parse("Wed, 31 Dec 2025 23:00:00 GMT", null, clock));
        assertNull(RetryAfter.parse("soon", "later", clock));
        assertNull(RetryAfter.parse(null, null, clock));
        for (String odd : List.of("-5", "1e30")) {
            assertFalse(RetryAfter.parse(odd, null, clock).isNegative());
        }
    }
}
