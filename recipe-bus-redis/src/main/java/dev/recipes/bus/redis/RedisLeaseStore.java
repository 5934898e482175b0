package dev.recipes.bus.redis;

import dev.recipes.core.LeaseStore;
import dev.recipes.core.RecipeException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Leases in Redis, shared by every engine instance that uses the same server and prefix. A
 * lease is a string at {@code <prefix>lease:<name>} holding its holder, which expires after the
 * lease's time to live; the Redis server's clock measures it. Both operations are atomic
 * scripts. Every method throws a {@link RecipeException} when Redis cannot be reached or
 * answers with an error. Get one from {@link RedisBackend#leases()}. Thread-safe.
 */
public final class RedisLeaseStore implements LeaseStore {

    private static final LuaScript ACQUIRE = new LuaScript(
            "local holder = redis.call('GET', KEYS[1])\n"
            + "if holder and holder ~= ARGV[1] then\n"
            + "  return 0\n"
            + "end\n"
            + "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
            + "return 1\n");

    private static final LuaScript RELEASE = new LuaScript(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
            + "  return redis.call('DEL', KEYS[1])\n"
            + "end\n"
            + "return 0\n");

    private final RedisConnector redis;
    private final String prefix;

    RedisLeaseStore(RedisConnector redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix + "lease:";
    }

    /**
     * Takes the lease if nobody has it, or renews it if the holder has it.
     *
     * @param name the lease
     * @param holder who asks
     * @param ttl how long the lease lasts from now, at least one millisecond
     * @return {@code true} if the holder has the lease now
     * @throws IllegalArgumentException if the ttl is shorter than one millisecond
     */
    @Override
    public boolean acquire(String name, String holder, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toMillis() < 1) {
            throw new IllegalArgumentException("lease '" + name + "': ttl " + ttl
                    + " must be at least 1 millisecond");
        }
        Object reply = redis.call("acquiring lease '" + name + "'", r -> ACQUIRE.run(r,
                List.of(prefix + name), List.of(holder, String.valueOf(ttl.toMillis()))));
        return Long.valueOf(1).equals(reply);
    }

    /**
     * Deletes the lease if the holder has it.
     *
     * @param name the lease
     * @param holder who gives it up
     */
    @Override
    public void release(String name, String holder) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        redis.call("releasing lease '" + name + "'",
                r -> RELEASE.run(r, List.of(prefix + name), List.of(holder)));
    }

    @Override
    public String toString() {
        return "LeaseStore[Redis " + redis.url() + ", keys '" + prefix + "*']";
    }
}
