package dev.recipes.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A trigger that fires at a fixed interval, on one engine instance at a time.
 *
 * <pre>{@code
 * Schedule hourly = Schedule.every("hourly-report", Duration.ofHours(1))
 *         .offset(Duration.ofMinutes(5));
 * Recipe report = Recipe.named("post-report")
 *         .when(hourly)
 *         .then(GoogleSheets.appendRow("1AbCsheet", "Reports!A:A").column("/scheduledAt"))
 *         .build();
 * }</pre>
 *
 * <p><b>Ticks.</b> A schedule's ticks are the instants {@code 1970-01-01T00:00:00Z + offset +
 * k * interval}, read from the engine's clock, so every engine instance agrees on which tick is
 * due. Each tick is an event of type {@code schedule.<name>} from source
 * {@code /schedule/<name>}, with the id {@code <name>@<tick>} (such as
 * {@code hourly-report@2026-05-01T10:05:00Z}), the tick as its time, and the data
 * {@code {"schedule": "<name>", "scheduledAt": "<tick>"}}. The same tick always has the same id,
 * so the engine's idempotency keys run a tick's actions once even if two instances fired it.
 *
 * <p><b>One instance at a time.</b> Only the engine that holds the lease
 * {@code schedule:<name>} in its {@link LeaseStore} (see {@link RecipeEngine.Builder#leases})
 * fires the schedule. The holder renews the lease every third of its {@link #lease() time to
 * live}; when it closes it gives the lease up, and when its process dies the lease runs out and
 * another engine sharing the store takes it.
 * An engine that takes the lease, including when it starts, fires the latest tick due at once
 * if it fell due less than a lease and a third ago and the engine did not fire it, so a tick
 * its previous holder may have missed is not lost. Older ticks are not made up: a schedule
 * whose engines were all down for three ticks fires at its next tick. An engine restarted
 * soon after a tick fires that tick again; with an idempotency store that outlives the
 * process, its actions do not run twice.
 *
 * <p>Recipes of one engine may share a schedule: the engine runs one timer and holds one lease
 * per name, and each tick runs every recipe on it. Schedules that share a name must be equal.
 * Immutable and thread-safe; schedules with the same name, interval, offset and lease are
 * equal.
 */
public final class Schedule implements Trigger {

    /** The type prefix of the events of schedules: {@code schedule.}. */
    public static final String EVENT_TYPE_PREFIX = "schedule.";

    /** How long a schedule's lease lasts unless renewed, unless set with {@link #lease}. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_INTERVAL = Duration.ofDays(366);
    private static final Duration MIN_LEASE = Duration.ofSeconds(1);
    private static final Duration MAX_LEASE = Duration.ofDays(1);

    private final String name;
    private final Duration interval;
    private final Duration offset;
    private final Duration lease; // null: the default

    private Schedule(String name, Duration interval, Duration offset, Duration lease) {
        this.name = name;
        this.interval = interval;
        this.offset = offset;
        this.lease = lease;
    }

    /**
     * Returns a schedule that fires every interval, at multiples of it since the epoch.
     *
     * @param name the schedule's name, 1 to 100 letters, digits, '.', '_' or '-', starting with
     *     a letter or digit; it names the event type and the lease
     * @param interval the time between ticks, from 1 second to 366 days
     * @return the schedule
     * @throws IllegalArgumentException if the name or the interval is not valid
     */
    public static Schedule every(String name, Duration interval) {
        Objects.requireNonNull(name, "schedule: name is null");
        Objects.requireNonNull(interval, () -> "schedule '" + name + "': interval is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("schedule '" + name + "': a name is 1 to 100 "
                    + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("schedule '" + name + "': interval " + interval
                    + " must be from 1 second to 366 days");
        }
        return new Schedule(name, interval, Duration.ZERO, null);
    }

    /**
     * Returns a schedule whose ticks are shifted by an offset, such as every day at 09:00 UTC
     * with {@code every("daily", Duration.ofDays(1)).offset(Duration.ofHours(9))}.
     *
     * @param offset zero or more, less than the interval
     * @return a new schedule
     * @throws IllegalArgumentException if the offset is negative or not less than the interval
     * @throws IllegalStateException if this schedule has an offset already
     */
    public Schedule offset(Duration offset) {
        Objects.requireNonNull(offset, () -> "schedule '" + name + "': offset is null");
        if (!this.offset.isZero()) {
            throw new IllegalStateException(this + ": offset is already " + this.offset);
        }
        if (offset.isNegative() || offset.compareTo(interval) >= 0) {
            throw new IllegalArgumentException("schedule '" + name + "': offset " + offset
                    + " must be zero or more and less than the interval " + interval);
        }
        return new Schedule(name, interval, offset, lease);
    }

    /**
     * Returns a schedule whose lease lasts a different time unless renewed; 30 seconds by
     * default. A longer lease survives longer pauses of its holder (a slow lease store, a long
     * garbage collection); a shorter one lets another engine take over sooner when the holder
     * dies, which is at most this long plus a third of it.
     *
     * @param ttl from 1 second to 1 day
     * @return a new schedule
     * @throws IllegalArgumentException if the time is out of range
     * @throws IllegalStateException if this schedule has a lease set already
     */
    public Schedule lease(Duration ttl) {
        Objects.requireNonNull(ttl, () -> "schedule '" + name + "': lease is null");
        if (lease != null) {
            throw new IllegalStateException(this + ": lease is already " + lease);
        }
        if (ttl.compareTo(MIN_LEASE) < 0 || ttl.compareTo(MAX_LEASE) > 0) {
            throw new IllegalArgumentException("schedule '" + name + "': lease " + ttl
                    + " must be from 1 second to 1 day");
        }
        return new Schedule(name, interval, offset, ttl);
    }

    /**
     * Returns the schedule's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the time between ticks.
     *
     * @return the interval
     */
    public Duration interval() {
        return interval;
    }

    /**
     * Returns how far the ticks are shifted from multiples of the interval since the epoch.
     *
     * @return the offset, {@link Duration#ZERO} unless set
     */
    public Duration offset() {
        return offset;
    }

    /**
     * Returns how long the schedule's lease lasts unless renewed.
     *
     * @return the lease's time to live, {@link #DEFAULT_LEASE} unless set
     */
    public Duration lease() {
        return lease != null ? lease : DEFAULT_LEASE;
    }

    /**
     * Returns the type of the schedule's events.
     *
     * @return {@code schedule.<name>}
     */
    @Override
    public String eventType() {
        return EVENT_TYPE_PREFIX + name;
    }

    /**
     * Returns the latest tick at or before an instant.
     *
     * @param instant an instant
     * @return the tick
     */
    public Instant tickAtOrBefore(Instant instant) {
        Instant origin = Instant.EPOCH.plus(offset);
        Duration since = Duration.between(origin, instant);
        long ticks = since.dividedBy(interval);
        if (since.isNegative() && !interval.multipliedBy(ticks).equals(since)) {
            ticks--;
        }
        return origin.plus(interval.multipliedBy(ticks));
    }

    /**
     * Returns the event of one tick, as the engine publishes it; a test may publish it with
     * {@link RecipeEngine#publish(Event)} to run the schedule's recipes at once.
     *
     * @param tick a tick of this schedule
     * @return the event
     * @throws IllegalArgumentException if the instant is not a tick of this schedule
     */
    public Event event(Instant tick) {
        Objects.requireNonNull(tick, () -> "schedule '" + name + "': tick is null");
        if (!tickAtOrBefore(tick).equals(tick)) {
            throw new IllegalArgumentException("schedule '" + name + "': " + tick
                    + " is not a tick; ticks are every " + interval + " from the epoch plus "
                    + offset);
        }
        ObjectNode data = JsonNodeFactory.instance.objectNode()
                .put("schedule", name)
                .put("scheduledAt", tick.toString());
        return new Event(name + "@" + tick, URI.create("/schedule/" + name), eventType(), null,
                tick, null, data);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Schedule that
                && name.equals(that.name)
                && interval.equals(that.interval)
                && offset.equals(that.offset)
                && lease().equals(that.lease());
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, interval, offset, lease());
    }

    /**
     * Returns the schedule as the Java that builds it, with durations in ISO 8601, such as
     * {@code Schedule.every("hourly-report", PT1H).offset(PT5M)}.
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Schedule.every(\"").append(name).append("\", ")
                .append(interval).append(')');
        if (!offset.isZero()) {
            text.append(".offset(").append(offset).append(')');
        }
        if (lease != null) {
            text.append(".lease(").append(lease).append(')');
        }
        return text.toString();
    }
}
