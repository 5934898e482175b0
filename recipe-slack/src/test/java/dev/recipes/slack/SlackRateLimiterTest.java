package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class SlackRateLimiterTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final ManualClockFixture clock = new ManualClockFixture();
    private final SlackRateLimiter limiter = new SlackRateLimiter(clock);

    @Test
    void burst_getsOneSlotPerInterval_inArrivalOrder() {
        assertThat(limiter.acquire("lane", SECOND, "a")).isZero();
        assertThat(limiter.acquire("lane", SECOND, "b")).isEqualTo(SECOND);
        assertThat(limiter.acquire("lane", SECOND, "c")).isEqualTo(Duration.ofSeconds(2));

        clock.advance(SECOND);
        assertThat(limiter.acquire("lane", SECOND, "b")).isZero();
        assertThat(limiter.acquire("lane", SECOND, "c")).isEqualTo(SECOND);
        clock.advance(SECOND);
        assertThat(limiter.acquire("lane", SECOND, "c")).isZero();
    }

    @Test
    void aNewCall_doesNotJumpAheadOfReservedSlots() {
        limiter.acquire("lane", SECOND, "a");
        limiter.acquire("lane", SECOND, "b");
        clock.advance(SECOND);

        assertThat(limiter.acquire("lane", SECOND, "late")).isEqualTo(SECOND);
        assertThat(limiter.acquire("lane", SECOND, "b")).isZero();
    }

    @Test
    void aLateClaim_stillKeepsTheInterval() {
        limiter.acquire("lane", SECOND, "a");
        limiter.acquire("lane", SECOND, "b");
        limiter.acquire("lane", SECOND, "c");
        clock.advance(Duration.ofMillis(2500));
        assertThat(limiter.acquire("lane", SECOND, "c")).isZero();

        assertThat(limiter.acquire("lane", SECOND, "b")).isEqualTo(SECOND);
    }

    @Test
    void lanes_areIndependent() {
        assertThat(limiter.acquire("chat.postMessage default C1", SECOND, "a")).isZero();
        assertThat(limiter.acquire("chat.postMessage default C2", SECOND, "b")).isZero();
        assertThat(limiter.acquire("chat.postMessage other C1", SECOND, "c")).isZero();
    }

    @Test
    void afterTheInterval_callsGoAtOnce() {
        limiter.acquire("lane", SECOND, "a");
        clock.advance(SECOND);

        assertThat(limiter.acquire("lane", SECOND, "b")).isZero();
    }

    /** A clock moved by hand. */
    private static final class ManualClockFixture extends Clock {

        private Instant now = Instant.parse("2026-01-05T09:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
