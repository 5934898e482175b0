package dev.recipes.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A UTC clock that a test sets and moves by hand, to give the engine, its services and the fake
 * servers one controllable time. Thread-safe.
 */
public final class MutableClock extends Clock {

    private volatile Instant now;

    /**
     * Creates a clock standing at an instant.
     *
     * @param start the instant the clock shows until moved
     */
    public MutableClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    /**
     * Moves the clock.
     *
     * @param duration how far; negative moves it back
     */
    public void advance(Duration duration) {
        now = now.plus(duration);
    }

    /**
     * Sets the clock.
     *
     * @param instant the instant it shows from now on
     */
    public void set(Instant instant) {
        now = Objects.requireNonNull(instant, "instant");
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /**
     * Refuses: the clock stays in UTC.
     *
     * @param zone ignored
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("mutable clock: UTC only, not " + zone);
    }

    @Override
    public String toString() {
        return "MutableClock[" + now + "]";
    }
}
