package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.spi.RetryAfter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RetryAfterTest {

    private final Clock clock =
            Clock.fixed(Instant.parse("2026-12-04T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void readsSeconds() {
        assertThat(RetryAfter.parse(" 120 ", clock)).contains(Duration.ofSeconds(120));
    }

    @Test
    void readsAnHttpDateFromTheClock() {
        assertThat(RetryAfter.parse("Fri, 04 Dec 2026 10:01:30 GMT", clock))
                .contains(Duration.ofSeconds(90));
    }

    @Test
    void aDateInThePastMeansNow() {
        assertThat(RetryAfter.parse("Fri, 04 Dec 2026 09:00:00 GMT", clock))
                .contains(Duration.ZERO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "-5", "1.5", "9999999999", "٣"})
    void ignoresWhatIsNeither(String value) {
        assertThat(RetryAfter.parse(value, clock)).isEmpty();
    }

    @Test
    void anAbsentHeaderIsEmpty() {
        assertThat(RetryAfter.parse(null, clock)).isEmpty();
    }
}
