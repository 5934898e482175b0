package dev.recipes.bus.redis;

import dev.recipes.core.RecipeException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.Function;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The connections to one Redis server: a pool shared by short commands, and dedicated
 * connections for consumers that block while they wait for entries. Turns the client's
 * failures into messages that name the server and never the password.
 */
final class RedisConnector implements AutoCloseable {

    private final RedisUrl url;
    private final HostAndPort address;
    private final JedisClientConfig config;
    private final Duration commandTimeout;
    private final RedisClient pool;

    RedisConnector(RedisUrl url, Duration connectTimeout, Duration commandTimeout,
            int poolSize) {
        this.url = url;
        this.address = new HostAndPort(url.host(), url.port());
        this.commandTimeout = commandTimeout;
        // RESP2, the server's default: the replies this module reads have one known shape.
        this.config = DefaultJedisClientConfig.builder()
                .autoNegotiateProtocol(false)
                .connectionTimeoutMillis(millis(connectTimeout))
                .socketTimeoutMillis(millis(commandTimeout))
                .user(url.user())
                .password(url.password())
                .database(url.database())
                .build();
        ConnectionPoolConfig poolConfig = new ConnectionPoolConfig();
        poolConfig.setMaxTotal(poolSize);
        poolConfig.setMaxIdle(poolSize);
        // A caller waits for a pooled connection no longer than for a reply: fail fast.
        poolConfig.setMaxWait(commandTimeout);
        this.pool = RedisClient.builder().hostAndPort(address).clientConfig(config)
                .poolConfig(poolConfig).build();
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }

    RedisUrl url() {
        return url;
    }

    /**
     * Runs a command that is safe to run twice on a pooled connection. A connection that fails
     * is tried once more, since after a server restart the pool may hold connections that are
     * already broken; so is one that timed out, though that may take two command timeouts.
     *
     * @throws RedisUnavailableException if the server cannot be reached
     * @throws RecipeException if the server answers with an error
     */
    <T> T call(String what, Function<UnifiedJedis, T> command) {
        return call(what, command, true);
    }

    /**
     * Runs a command that must not run twice, such as adding a stream entry, on a pooled
     * connection. Like {@link #call}, but after a timeout, when the server may still run the
     * command, it fails at once instead of trying again: it fails within one command timeout.
     *
     * @throws RedisUnavailableException if the server cannot be reached or did not answer in
     *     time
     * @throws RecipeException if the server answers with an error
     */
    <T> T callOnce(String what, Function<UnifiedJedis, T> command) {
        return call(what, command, false);
    }

    private <T> T call(String what, Function<UnifiedJedis, T> command, boolean afterTimeout) {
        try {
            return command.apply(pool);
        } catch (JedisConnectionException first) {
            if (!afterTimeout && timedOut(first)) {
                throw failure(what, first);
            }
            try {
                return command.apply(pool);
            } catch (JedisException again) {
                throw failure(what, again);
            }
        } catch (JedisException e) {
            throw failure(what, e);
        }
    }

    private static boolean timedOut(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens a connection of its own for one consumer. Its blocking reads wait up to
     * {@code longestBlock}, plus the command timeout, before the connection counts as lost.
     */
    Jedis open(Duration longestBlock) {
        JedisClientConfig blocking = DefaultJedisClientConfig.builder().from(config)
                .blockingSocketTimeoutMillis(millis(longestBlock.plus(commandTimeout)))
                .build();
        return new Jedis(address, blocking);
    }

    /** Turns a client failure into an exception that names the server, not the password. */
    RecipeException failure(String what, JedisException e) {
        String message = "Redis at " + url + ": " + what + " failed: " + describe(e);
        return e instanceof JedisConnectionException
                ? new RedisUnavailableException(message) : new RecipeException(message);
    }

    /** Describes a client failure in one line, without the password. */
    String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + " (" + cause.getMessage() + ")";
        }
        return url.redact(message);
    }

    @Override
    public void close() {
        pool.close();
    }

    /** Thrown when the server cannot be reached; the message never holds the password. */
    static final class RedisUnavailableException extends RecipeException {

        private static final long serialVersionUID = 1L;

        RedisUnavailableException(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return url.toString();
    }
}
