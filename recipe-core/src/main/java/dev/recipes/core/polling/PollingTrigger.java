package dev.recipes.core.polling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import dev.recipes.core.internal.Names;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A trigger that the engine polls: at an interval, it asks the service's {@link PollSource}
 * for items, and each item whose key it has not seen before becomes one event.
 *
 * <pre>{@code
 * Recipe orders = Recipe.named("new-orders")
 *         .when(GoogleSheets.newRow("1AbCsheet", "Orders!A:D", "A")   // a PollingTrigger
 *                 .every(Duration.ofMinutes(5))
 *                 .as("finance"))
 *         .then(Slack.postMessage("C0SALES").text("/values/1"))
 *         .build();
 * }</pre>
 *
 * <p><b>Once per item.</b> The engine remembers the keys of the items it has seen, the most
 * recently seen {@link #maxSeenKeys() 10,000} by default, with the source's cursor, in the
 * engine's {@link StateStore}. An item fires once however often the source returns it or in
 * which order. The first poll of a source sets a baseline: what it returns counts as seen and
 * fires nothing, unless the trigger asks for a {@link #backfill()}. A restarted engine resumes
 * from the saved state. Each event has the item's key as its id and {@link #sourceUri()} as its
 * source, so the engine's idempotency keys also run its actions once if it is published again.
 *
 * <p><b>Timing.</b> The first poll comes when the engine starts; each next one an
 * {@link #interval()} plus up to a {@link #jitter()} later, the jitter drawn per source so
 * that sources polled at the same interval spread out. A failed poll is tried again after
 * twice the interval, then four times, up to {@link #maxBackoff()}, and not before a delay the
 * source asked for ({@link PollException#retryAfter()}).
 *
 * <p><b>One instance at a time.</b> Only the engine that holds the lease {@code poll:<key>}
 * ({@link #stateKey()}) in its lease store polls; it renews the lease every third of
 * {@link #lease()}, and another engine sharing the store takes over when it stops.
 *
 * <p>Polls run on the engine's scheduler, one at a time: a slow source delays the engine's
 * other timed work (retries, schedules, other polls) for as long as its request takes, so
 * sources should keep their timeouts short.
 *
 * <p>Recipes of one engine may share a source: the engine polls it once and each event runs
 * every recipe on it; triggers that share a state key must be equal. Immutable and
 * thread-safe; equal when every setting is.
 */
public final class PollingTrigger implements Trigger {

    /** The interval unless set with {@link #every(Duration)}: one minute. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

    /** The largest number of remembered keys unless set: 10,000. */
    public static final int DEFAULT_MAX_SEEN_KEYS = 10_000;

    /** How long the lease lasts unless renewed, unless set with {@link #lease(Duration)}. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_INTERVAL = Duration.ofDays(1);
    private static final Duration MIN_LEASE = Duration.ofSeconds(1);
    private static final Duration MAX_LEASE = Duration.ofDays(1);
    private static final Duration MIN_MAX_BACKOFF = Duration.ofMinutes(15);
    private static final int MAX_SOURCE_LENGTH = 500;
    private static final int MAX_MAX_SEEN_KEYS = 1_000_000;

    private final String service;
    private final String eventType;
    private final String source;
    private final ObjectNode params;
    private final String connection;
    private final Duration interval;
    private final Duration jitter; // null: a tenth of the interval
    private final Duration maxBackoff; // null: the default
    private final Duration lease;
    private final int maxSeenKeys;
    private final boolean backfill;

    private PollingTrigger(String service, String eventType, String source, ObjectNode params,
            String connection, Duration interval, Duration jitter, Duration maxBackoff,
            Duration lease, int maxSeenKeys, boolean backfill) {
        this.service = service;
        this.eventType = eventType;
        this.source = source;
        this.params = params;
        this.connection = connection;
        this.interval = interval;
        this.jitter = jitter;
        this.maxBackoff = maxBackoff;
        this.lease = lease;
        this.maxSeenKeys = maxSeenKeys;
        this.backfill = backfill;
    }

    /**
     * Returns a trigger polled by a service's {@link PollSource}, every minute, as the
     * {@value ActionStep#DEFAULT_CONNECTION} connection. Services offer typed factories that
     * call this one, such as {@code GoogleSheets.newRow(...)}.
     *
     * @param service the id of the service whose poll source reads it
     * @param eventType the type of its events, such as {@code google-sheets.new-row}
     * @param source what is polled, unique within the service and the same across restarts,
     *     such as {@code 1AbCsheet/Log!A:D/new-row}: 1 to 500 characters without control
     *     characters; it names the state, the lease and the events' source
     * @param params what the poll source needs to read it; copied
     * @return the trigger
     * @throws IllegalArgumentException if a name is not valid
     */
    public static PollingTrigger of(String service, String eventType, String source,
            JsonNode params) {
        Names.require(service, "polling trigger: service");
        Objects.requireNonNull(eventType, "polling trigger: eventType");
        Objects.requireNonNull(source, "polling trigger: source");
        Objects.requireNonNull(params, "polling trigger: params");
        if (eventType.isBlank()) {
            throw new IllegalArgumentException("polling trigger '" + source + "': event type is "
                    + "blank");
        }
        if (source.isEmpty() || source.length() > MAX_SOURCE_LENGTH
                || source.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("polling trigger: source '" + source + "' must be "
                    + "1 to " + MAX_SOURCE_LENGTH + " characters without control characters");
        }
        if (!params.isObject()) {
            throw new IllegalArgumentException("polling trigger '" + source + "': params must be "
                    + "a JSON object, not " + params.getNodeType());
        }
        return new PollingTrigger(service, eventType, source, ((ObjectNode) params).deepCopy(),
                ActionStep.DEFAULT_CONNECTION, DEFAULT_INTERVAL, null, null, DEFAULT_LEASE,
                DEFAULT_MAX_SEEN_KEYS, false);
    }

    /**
     * Returns a trigger polled at another interval.
     *
     * @param interval from 1 second to 1 day
     * @return a new trigger
     * @throws IllegalArgumentException if the interval is out of range
     */
    public PollingTrigger every(Duration interval) {
        Objects.requireNonNull(interval, () -> this + ": interval is null");
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException(this + ": interval " + interval
                    + " must be from 1 second to 1 day");
        }
        if (jitter != null && jitter.compareTo(interval) > 0) {
            throw new IllegalArgumentException(this + ": jitter " + jitter + " is longer than "
                    + "the interval " + interval + "; set the interval first");
        }
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, lease, maxSeenKeys, backfill);
    }

    /**
     * Returns a trigger whose polls come up to this much later than the interval, drawn anew
     * for each poll; a tenth of the interval by default.
     *
     * @param jitter zero or more, at most the interval
     * @return a new trigger
     * @throws IllegalArgumentException if the jitter is negative or longer than the interval
     */
    public PollingTrigger jitter(Duration jitter) {
        Objects.requireNonNull(jitter, () -> this + ": jitter is null");
        if (jitter.isNegative() || jitter.compareTo(interval) > 0) {
            throw new IllegalArgumentException(this + ": jitter " + jitter + " must be from zero "
                    + "to the interval " + interval);
        }
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, lease, maxSeenKeys, backfill);
    }

    /**
     * Returns a trigger whose first poll fires every item the source returns, instead of
     * taking them as the baseline.
     *
     * @return a new trigger
     */
    public PollingTrigger backfill() {
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, lease, maxSeenKeys, true);
    }

    /**
     * Returns a trigger polled as another connection of its service.
     *
     * @param connectionId the connection's id in the engine's connection store
     * @return a new trigger
     * @throws IllegalArgumentException if the id is not valid
     */
    public PollingTrigger as(String connectionId) {
        Names.require(connectionId, "polling trigger '" + source + "': connection");
        return new PollingTrigger(service, eventType, source, params, connectionId, interval,
                jitter, maxBackoff, lease, maxSeenKeys, backfill);
    }

    /**
     * Returns a trigger that remembers more or fewer item keys; the least recently seen are
     * forgotten first. A source that returns more items per poll than this (a snapshot of a
     * large sheet) fires the forgotten ones again, so keep it above that.
     *
     * @param maxSeenKeys from 1 to 1,000,000
     * @return a new trigger
     * @throws IllegalArgumentException if the number is out of range
     */
    public PollingTrigger maxSeenKeys(int maxSeenKeys) {
        if (maxSeenKeys < 1 || maxSeenKeys > MAX_MAX_SEEN_KEYS) {
            throw new IllegalArgumentException(this + ": max seen keys " + maxSeenKeys
                    + " must be from 1 to " + MAX_MAX_SEEN_KEYS);
        }
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, lease, maxSeenKeys, backfill);
    }

    /**
     * Returns a trigger whose backoff after failures grows to at most this long; by default
     * 15 minutes, or the interval if that is longer.
     *
     * @param maxBackoff at least the interval
     * @return a new trigger
     * @throws IllegalArgumentException if it is shorter than the interval
     */
    public PollingTrigger maxBackoff(Duration maxBackoff) {
        Objects.requireNonNull(maxBackoff, () -> this + ": maxBackoff is null");
        if (maxBackoff.compareTo(interval) < 0) {
            throw new IllegalArgumentException(this + ": max backoff " + maxBackoff
                    + " must be at least the interval " + interval);
        }
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, lease, maxSeenKeys, backfill);
    }

    /**
     * Returns a trigger whose lease lasts another time unless renewed; 30 seconds by default.
     *
     * @param ttl from 1 second to 1 day
     * @return a new trigger
     * @throws IllegalArgumentException if the time is out of range
     */
    public PollingTrigger lease(Duration ttl) {
        Objects.requireNonNull(ttl, () -> this + ": lease is null");
        if (ttl.compareTo(MIN_LEASE) < 0 || ttl.compareTo(MAX_LEASE) > 0) {
            throw new IllegalArgumentException(this + ": lease " + ttl
                    + " must be from 1 second to 1 day");
        }
        return new PollingTrigger(service, eventType, source, params, connection, interval,
                jitter, maxBackoff, ttl, maxSeenKeys, backfill);
    }

    /**
     * Returns the id of the service whose poll source reads this trigger.
     *
     * @return the service id
     */
    public String service() {
        return service;
    }

    /**
     * Returns what is polled, as the service named it.
     *
     * @return the source
     */
    public String source() {
        return source;
    }

    /**
     * Returns what the poll source needs to read the source.
     *
     * @return a copy of the parameters
     */
    public ObjectNode params() {
        return params.deepCopy();
    }

    /**
     * Returns the id of the connection the source is read as.
     *
     * @return the connection id, {@value ActionStep#DEFAULT_CONNECTION} unless set
     */
    public String connection() {
        return connection;
    }

    /**
     * Returns the time between polls.
     *
     * @return the interval
     */
    public Duration interval() {
        return interval;
    }

    /**
     * Returns how much later than the interval a poll may come.
     *
     * @return the jitter, a tenth of the interval unless set
     */
    public Duration jitter() {
        return jitter != null ? jitter : interval.dividedBy(10);
    }

    /**
     * Returns the longest wait after failed polls.
     *
     * @return the maximum backoff
     */
    public Duration maxBackoff() {
        if (maxBackoff != null) {
            return maxBackoff.compareTo(interval) < 0 ? interval : maxBackoff;
        }
        return interval.compareTo(MIN_MAX_BACKOFF) > 0 ? interval : MIN_MAX_BACKOFF;
    }

    /**
     * Returns how long the lease lasts unless renewed.
     *
     * @return the lease's time to live
     */
    public Duration lease() {
        return lease;
    }

    /**
     * Returns how many item keys are remembered.
     *
     * @return the bound
     */
    public int maxSeenKeys() {
        return maxSeenKeys;
    }

    /**
     * Tells whether the first poll fires what it finds.
     *
     * @return {@code true} if set with {@link #backfill()}
     */
    public boolean backfills() {
        return backfill;
    }

    /**
     * Returns the key of the source's state and lease: the service, the connection and the
     * source, such as {@code google-sheets/default/1AbCsheet/Log!A:D/new-row}.
     *
     * @return the key
     */
    public String stateKey() {
        return service + "/" + connection + "/" + source;
    }

    /**
     * Returns the source of the trigger's events: {@code /poll/} and the state key, with
     * characters a URI path cannot hold percent-encoded.
     *
     * @return the URI
     */
    public URI sourceUri() {
        return URI.create("/poll/" + encodePath(stateKey()));
    }

    @Override
    public String eventType() {
        return eventType;
    }

    /**
     * Tells whether an event comes from this trigger's source, so that recipes on different
     * sources of one event type each see their own.
     *
     * @param event an event of this trigger's type
     * @return {@code true} if its source is {@link #sourceUri()}
     */
    @Override
    public boolean matches(Event event) {
        return event.source().equals(sourceUri());
    }

    /**
     * Returns the key the engine indexes this trigger's recipes by: the source's URI, so that
     * an event of one source is offered to that source's recipes only.
     *
     * @return a key on the event's source
     */
    @Override
    public Optional<IndexKey> indexKey() {
        return Optional.of(IndexKey.source(sourceUri()));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PollingTrigger that
                && service.equals(that.service)
                && eventType.equals(that.eventType)
                && source.equals(that.source)
                && params.equals(that.params)
                && connection.equals(that.connection)
                && interval.equals(that.interval)
                && jitter().equals(that.jitter())
                && maxBackoff().equals(that.maxBackoff())
                && lease.equals(that.lease)
                && maxSeenKeys == that.maxSeenKeys
                && backfill == that.backfill;
    }

    @Override
    public int hashCode() {
        return Objects.hash(service, eventType, source, connection, interval);
    }

    /**
     * Returns the trigger's type, source and connection, such as
     * {@code PollingTrigger[google-sheets.new-row, 1AbCsheet/Log!A:D/new-row, as default]}.
     */
    @Override
    public String toString() {
        return "PollingTrigger[" + eventType + ", " + source + ", as " + connection + "]";
    }

    // RFC 3986 pchar and '/' stay; everything else is percent-encoded as UTF-8.
    private static String encodePath(String text) {
        StringBuilder encoded = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            boolean plain = c < 128 && (Character.isLetterOrDigit(c)
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0);
            if (plain) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return encoded.toString();
    }
}
