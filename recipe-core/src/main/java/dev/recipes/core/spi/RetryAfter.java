package dev.recipes.core.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110): a number of seconds, or an HTTP date.
 * Provider clients pass the result to {@link ActionException#retryable}.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * Reads a header value.
     *
     * @param value the header's value, or {@code null} if the header is absent
     * @param clock the clock an HTTP date is counted from
     * @return the delay, zero for a date in the past; empty if the value is absent or is neither
     *     seconds nor an HTTP date
     */
    public static Optional<Duration> parse(String value, Clock clock) {
        String text = value == null ? "" : value.strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (text.length() <= 9 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(text)));
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration wait = Duration.between(clock.instant(), at.toInstant());
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
