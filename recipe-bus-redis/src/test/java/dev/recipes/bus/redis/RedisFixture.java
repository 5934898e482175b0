package dev.recipes.bus.redis;

import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The shared Redis of the test machine, seen through a key prefix of one test's own: makes
 * backends and buses on that prefix, inspects keys directly, and deletes only the prefix's keys
 * when closed.
 */
final class RedisFixture implements AutoCloseable {

    static final URI SHARED = URI.create("redis://127.0.0.1:6379");
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(10);

    final String prefix = "test:redis-bus:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    final Jedis redis = new Jedis(new HostAndPort("127.0.0.1", 6379),
            DefaultJedisClientConfig.builder().autoNegotiateProtocol(false).build());
    private final Deque<RedisBackend> opened = new ArrayDeque<>();

    RedisBackend backend() {
        return track(RedisBackend.builder(SHARED).prefix(prefix).build());
    }

    /** A bus builder with a short poll timeout, so that closing is quick. */
    static RedisEventBus.Builder bus(RedisBackend backend) {
        return RedisEventBus.builder(backend).pollTimeout(Duration.ofMillis(100));
    }

    /** Closes the backend, and with it its buses, when this fixture closes. */
    RedisBackend track(RedisBackend backend) {
        opened.push(backend);
        return backend;
    }

    List<StreamEntry> dead() {
        return redis.xrange(prefix + "dead", "-", "+");
    }

    long pending(String topic, String group) {
        return redis.xpending(prefix + topic, group).getTotal();
    }

    /** Polls a condition every 10 ms until it holds, failing after {@link #WAIT}. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + WAIT + " waiting until " + what);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    @Override
    public void close() {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams match = new ScanParams().match(prefix + "*").count(500);
        do {
            ScanResult<String> page = redis.scan(cursor, match);
            if (!page.getResult().isEmpty()) {
                redis.del(page.getResult().toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        redis.close();
    }
}
