package dev.moa.provider;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * How long an upstream asks us to wait before the next try: {@code retry-after-ms} (milliseconds, sent by
 * OpenAI, Azure and others) wins over {@code Retry-After} (delay-seconds or an HTTP-date). {@code 0} is a valid
 * answer ("retry now"); the engine caps whatever is asked.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /** {@code Retry-After} alone. @return null when the header is absent or unreadable */
    public static Duration parse(String header) {
        return parse(header, null, Clock.systemUTC());
    }

    /** @return null when neither header holds a usable value */
    public static Duration parse(String retryAfter, String retryAfterMs, Clock clock) {
        Duration millis = number(retryAfterMs, true);
        if (millis != null) {
            return millis;
        }
        if (retryAfter == null || retryAfter.isBlank()) {
            return null;
        }
        Duration seconds = number(retryAfter, false);
        if (seconds != null) {
            return seconds;
        }
        try {
            Duration until = Duration.between(ZonedDateTime.now(clock),
                    ZonedDateTime.parse(retryAfter.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException notDate) {
            return null;
        }
    }

    private static Duration number(String value, boolean millis) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double amount = Double.parseDouble(value.trim());
            if (Double.isNaN(amount)) {
                return null;
            }
            // Huge values only need to exceed any cap; negative ones mean "now".
            double ms = Math.min(Math.max(0, millis ? amount : amount * 1000), 86_400_000d);
            return Duration.ofMillis((long) ms);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
