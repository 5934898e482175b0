package dev.recipes.bus.redis;

import dev.recipes.core.RecipeException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The entry point to Redis: one connection pool shared by an event bus, an idempotency store
 * and a lease store, all with one key prefix.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.connect(URI.create("redis://127.0.0.1:6379"));
 * RecipeEngine engine = RecipeEngine.builder()
 *         .bus(redis.bus())
 *         .idempotency(redis.idempotency())
 *         .leases(redis.leases())
 *         .build();
 * }</pre>
 *
 * <p>URLs have the form {@code redis://[[user]:password@]host[:port][/database]}; a user info
 * without a colon is a password. The password is used to log in and never shown:
 * {@link #toString()} and every message mask it. Close the backend after the engine. Thread-safe.
 */
public final class RedisBackend implements AutoCloseable {

    private static final String DEFAULT_PREFIX = "recipes:";

    private final RedisConnector redis;
    private final String prefix;
    private final RedisIdempotencyStore idempotency;
    private final RedisLeaseStore leases;
    private final List<RedisEventBus> buses = new CopyOnWriteArrayList<>();
    private RedisEventBus bus; // guarded by this
    private volatile boolean closed;

    private RedisBackend(RedisConnector redis, String prefix, Duration idempotencyExpiry) {
        this.redis = redis;
        this.prefix = prefix;
        this.idempotency = new RedisIdempotencyStore(redis, prefix, idempotencyExpiry);
        this.leases = new RedisLeaseStore(redis, prefix);
    }

    /**
     * Connects with the default settings: prefix {@code recipes:}, a connect timeout of 1
     * second, a command timeout of 2 seconds, 16 pooled connections, and idempotency keys kept
     * for 24 hours.
     *
     * @param url such as {@code redis://127.0.0.1:6379} or {@code redis://:secret@host:6379/2}
     * @return a backend whose server answered
     * @throws IllegalArgumentException if the URL is malformed
     * @throws RecipeException if the server cannot be reached or refuses the login
     */
    public static RedisBackend connect(URI url) {
        return builder(url).build();
    }

    /**
     * Starts building a backend with settings of its own.
     *
     * @param url such as {@code redis://127.0.0.1:6379}
     * @return a builder
     * @throws IllegalArgumentException if the URL is malformed
     */
    public static Builder builder(URI url) {
        return new Builder(RedisUrl.parse(url));
    }

    /**
     * Returns the bus with the default settings (see {@link RedisEventBus.Builder}), made on
     * first call; later calls return the same bus, even once it is closed. For other settings,
     * use {@link RedisEventBus#builder(RedisBackend)}.
     *
     * @return the bus
     * @throws IllegalStateException if the backend is closed
     */
    public synchronized RedisEventBus bus() {
        if (bus == null) {
            bus = RedisEventBus.builder(this).build();
        }
        return bus;
    }

    /**
     * Returns the idempotency store.
     *
     * @return the store, the same on every call
     */
    public RedisIdempotencyStore idempotency() {
        return idempotency;
    }

    /**
     * Returns the lease store.
     *
     * @return the store, the same on every call
     */
    public RedisLeaseStore leases() {
        return leases;
    }

    /**
     * Returns what every key starts with.
     *
     * @return the prefix
     */
    public String prefix() {
        return prefix;
    }

    synchronized RedisEventBus register(BusSettings settings) {
        if (closed) {
            throw new IllegalStateException("Redis backend " + redis.url()
                    + ": closed; cannot make a bus");
        }
        RedisEventBus made = RedisEventBus.start(redis, settings);
        buses.add(made);
        return made;
    }

    /**
     * Closes the buses made on this backend that are still open, each with a deadline of 10
     * seconds, then the connection pool. Closing twice does nothing.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        buses.forEach(RedisEventBus::close);
        redis.close();
    }

    static void checkPrefix(String prefix, String subject) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty() || prefix.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(subject + ": prefix '" + prefix
                    + "' must be non-empty and without spaces");
        }
    }

    @Override
    public String toString() {
        return "RedisBackend[" + redis.url() + ", prefix '" + prefix + "']";
    }

    /** Builds a {@link RedisBackend}. Each setting may be set once; each is checked when set. */
    public static final class Builder {

        private final RedisUrl url;
        private String prefix;
        private Duration connectTimeout;
        private Duration commandTimeout;
        private Integer poolSize;
        private Duration idempotencyExpiry;

        private Builder(RedisUrl url) {
            this.url = url;
        }

        /**
         * Sets what every key starts with, so that several applications can share a server;
         * {@code recipes:} by default.
         *
         * @param prefix not empty, without spaces
         * @return this builder
         */
        public Builder prefix(String prefix) {
            checkPrefix(prefix, "Redis backend");
            this.prefix = once(this.prefix, prefix, "prefix");
            return this;
        }

        /**
         * Sets how long opening a connection may take; 1 second by default.
         *
         * @param timeout from 1 millisecond to 60 seconds
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = once(this.connectTimeout, timeout(timeout, "connectTimeout"),
                    "connectTimeout");
            return this;
        }

        /**
         * Sets how long a command waits for its reply, and for a free pooled connection; 2
         * seconds by default.
         *
         * @param timeout from 1 millisecond to 60 seconds
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = once(this.commandTimeout, timeout(timeout, "commandTimeout"),
                    "commandTimeout");
            return this;
        }

        /**
         * Sets how many connections the pool keeps for short commands; 16 by default. Each bus
         * consumer has a connection of its own besides.
         *
         * @param poolSize from 1 to 1,000
         * @return this builder
         */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1 || poolSize > 1000) {
                throw new IllegalArgumentException("Redis backend: poolSize " + poolSize
                        + " must be from 1 to 1000");
            }
            this.poolSize = once(this.poolSize, poolSize, "poolSize");
            return this;
        }

        /**
         * Sets how long the idempotency store remembers a key; 24 hours by default.
         *
         * @param expiry at least 1 second
         * @return this builder
         */
        public Builder idempotencyExpiry(Duration expiry) {
            Objects.requireNonNull(expiry, "idempotencyExpiry");
            if (expiry.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("Redis backend: idempotencyExpiry " + expiry
                        + " must be at least 1 second");
            }
            this.idempotencyExpiry = once(this.idempotencyExpiry, expiry, "idempotencyExpiry");
            return this;
        }

        private static Duration timeout(Duration timeout, String setting) {
            Objects.requireNonNull(timeout, setting);
            if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("Redis backend: " + setting + " " + timeout
                        + " must be from 1 millisecond to 60 seconds");
            }
            return timeout;
        }

        private static <T> T once(T current, T value, String setting) {
            if (current != null) {
                throw new IllegalStateException("Redis backend: " + setting
                        + " is already set to " + current);
            }
            return value;
        }

        /**
         * Connects, and checks that the server answers.
         *
         * @return the backend
         * @throws RecipeException if the server cannot be reached or refuses the login; the
         *     message names the server without the password
         */
        public RedisBackend build() {
            RedisConnector redis = new RedisConnector(url,
                    connectTimeout == null ? Duration.ofSeconds(1) : connectTimeout,
                    commandTimeout == null ? Duration.ofSeconds(2) : commandTimeout,
                    poolSize == null ? 16 : poolSize);
            try {
                redis.call("connecting", r -> r.ping());
            } catch (RuntimeException e) {
                redis.close();
                throw e;
            }
            return new RedisBackend(redis, prefix == null ? DEFAULT_PREFIX : prefix,
                    idempotencyExpiry == null ? Duration.ofHours(24) : idempotencyExpiry);
        }
    }
}
