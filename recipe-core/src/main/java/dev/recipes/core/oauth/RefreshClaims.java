package dev.recipes.core.oauth;

import dev.recipes.core.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The claims of the single-flight token refresh that {@link dev.recipes.core.ConnectionStore}
 * describes: a setting on the connection that says an engine is refreshing its token, written
 * with {@code replace}, so that engines sharing a store refresh it once.
 *
 * <p>A claim names its engine and the instant it means to be done by, for people reading the
 * store. Whether a claim is still held is decided without that instant, which comes from
 * another engine's clock: this engine holds a claim it did not write for one claim's length
 * from when it first saw it, by its own clock. So engines whose clocks disagree neither take a
 * claim over early (and spend a single-use refresh token twice) nor wait for a claim far in the
 * future; a claim left by an engine that died delays refreshes by one claim's length.
 *
 * <p>Thread-safe; one instance per service of an engine.
 */
public final class RefreshClaims {

    private final String setting;
    private final Clock clock;
    private final Duration length;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    /**
     * Makes the claims of one service.
     *
     * @param setting the connection setting that holds a claim, such as
     *     {@code token-refresh-claim}
     * @param clock this engine's clock
     * @param length how long a claim holds: longer than a refresh takes
     */
    public RefreshClaims(String setting, Clock clock, Duration length) {
        this.setting = Objects.requireNonNull(setting, "setting");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.length = Objects.requireNonNull(length, "length");
        if (length.isZero() || length.isNegative()) {
            throw new IllegalArgumentException("refresh claims: length " + length
                    + " must be positive");
        }
    }

    /**
     * Returns how long a claim holds.
     *
     * @return the length given
     */
    public Duration length() {
        return length;
    }

    /**
     * Tells whether a connection carries a claim that is still held, by another engine or by
     * this one.
     *
     * @param connection the connection as read from the store
     * @return {@code true} while the claim holds; {@code false} without a claim
     */
    public boolean held(Connection connection) {
        Optional<String> claim = connection.setting(setting);
        String key = connection.service() + "/" + connection.id();
        if (claim.isEmpty()) {
            seen.remove(key);
            return false;
        }
        Instant now = clock.instant();
        Seen first = seen.compute(key, (name, old) ->
                old != null && old.claim().equals(claim.get()) ? old : new Seen(claim.get(), now));
        return now.isBefore(first.at().plus(length));
    }

    /**
     * Returns a copy of a connection that carries a new claim of this engine.
     *
     * @param connection the connection as read
     * @param holder who claims, such as the engine's instance id
     * @return the copy, to store with {@code replace(connection, copy)}
     */
    public Connection claim(Connection connection, String holder) {
        Map<String, String> settings = new LinkedHashMap<>(connection.settings());
        settings.put(setting, holder + " " + clock.instant().plus(length));
        return new Connection(connection.service(), connection.id(), settings,
                connection.secrets());
    }

    /**
     * Returns a copy of a connection without a claim.
     *
     * @param connection a connection
     * @return the copy; the same connection if it carries no claim
     */
    public Connection release(Connection connection) {
        if (connection.setting(setting).isEmpty()) {
            return connection;
        }
        Map<String, String> settings = new LinkedHashMap<>(connection.settings());
        settings.remove(setting);
        return new Connection(connection.service(), connection.id(), settings,
                connection.secrets());
    }

    @Override
    public String toString() {
        return "RefreshClaims[" + setting + ", " + length + "]";
    }

    /** A claim and when this engine first saw it. */
    private record Seen(String claim, Instant at) {
    }
}
