package dev.recipes.benchmarks;

import dev.recipes.bus.redis.RedisBackend;
import java.net.URI;
import java.util.UUID;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis server that benchmarks run against, at 127.0.0.1:6379, seen through a key prefix of
 * one benchmark run's own. Closing it deletes the keys under that prefix and no others, so that
 * a benchmark can share the server with tests and applications.
 */
final class LocalRedis implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final int PORT = 6379;
    static final URI URL = URI.create("redis://" + HOST + ":" + PORT);
    private static final HostAndPort ADDRESS = new HostAndPort(HOST, PORT);
    // RESP2, the server's default, as the bus uses it; Jedis warns when left to negotiate.
    private static final JedisClientConfig CONFIG = DefaultJedisClientConfig.builder()
            .autoNegotiateProtocol(false)
            .connectionTimeoutMillis(1000)
            .socketTimeoutMillis(2000)
            .build();
    private static final int SCAN_PAGE = 500;

    private final String prefix;
    private final Jedis redis;

    private LocalRedis(String prefix, Jedis redis) {
        this.prefix = prefix;
        this.redis = redis;
    }

    /**
     * Connects, and checks that the server answers.
     *
     * @param subject what the keys belong to, such as {@code bus}; becomes part of the prefix
     * @return a view of the server under the prefix {@code bench:<subject>:<random>:}
     * @throws IllegalStateException if Redis does not answer, saying how to start it
     */
    static LocalRedis open(String subject) {
        String prefix = "bench:" + subject + ":" + UUID.randomUUID().toString().substring(0, 8)
                + ":";
        Jedis redis = null;
        try {
            redis = connect();
            redis.ping();
            return new LocalRedis(prefix, redis);
        } catch (JedisException e) {
            if (redis != null) {
                redis.close();
            }
            throw notAnswering(ADDRESS, e);
        }
    }

    /**
     * Checks that Redis answers, without keeping a connection.
     *
     * @throws IllegalStateException if it does not, saying how to start it
     */
    static void checkAnswers() {
        checkAnswers(ADDRESS);
    }

    /**
     * Checks that a Redis server answers at an address, without keeping a connection.
     *
     * @param address where the server should listen
     * @throws IllegalStateException if it does not, saying how to start it
     */
    static void checkAnswers(HostAndPort address) {
        try (Jedis redis = new Jedis(address, CONFIG)) {
            redis.ping();
        } catch (JedisException e) {
            throw notAnswering(address, e);
        }
    }

    /**
     * Opens a plain connection to the server, for looking at keys directly.
     *
     * @return a connection; the caller closes it
     */
    static Jedis connect() {
        return new Jedis(ADDRESS, CONFIG);
    }

    private static IllegalStateException notAnswering(HostAndPort address,
            JedisException cause) {
        return new IllegalStateException("Redis at " + address + " is not answering ("
                + cause.getMessage() + "); the Redis benchmarks need it: start one with "
                + "'redis-server --bind " + address.getHost() + " --port " + address.getPort()
                + "'", cause);
    }

    /**
     * Returns what every key of this run starts with.
     *
     * @return the prefix, ending in a colon
     */
    String prefix() {
        return prefix;
    }

    /**
     * Connects a backend whose keys all start with this run's prefix.
     *
     * @return a backend; the caller closes it
     */
    RedisBackend backend() {
        return RedisBackend.builder(URL).prefix(prefix).build();
    }

    /** Deletes the keys under this run's prefix, found with SCAN MATCH, and disconnects. */
    @Override
    public void close() {
        try {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, ownKeys());
                if (!page.getResult().isEmpty()) {
                    redis.del(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        } finally {
            redis.close();
        }
    }

    // The prefix holds letters, digits and colons only, so it matches itself as a pattern.
    private ScanParams ownKeys() {
        return new ScanParams().match(prefix + "*").count(SCAN_PAGE);
    }
}
