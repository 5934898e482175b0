package dev.recipes.bus.redis;

import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.RecipeException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import redis.clients.jedis.params.SetParams;

/**
 * Idempotency keys in Redis, shared by every engine instance that uses the same server and
 * prefix. Each key is a string at {@code <prefix>idem:<key>} that expires after the store's
 * expiry (24 hours by default, set with {@link RedisBackend.Builder#idempotencyExpiry}).
 *
 * <p>{@link #begin(String, Duration)} stores {@code held:<until>:<token>:<answer>} while the work
 * runs, with a token unique to the call and the answer it got, and {@link #complete(String)}
 * stores {@code done}; leases are measured by the Redis server's clock, so the instances' clocks
 * need not agree. A call that the client sends again after a timeout finds its own token and
 * gets the first answer again, rather than {@code HELD}. Every method throws a
 * {@link RecipeException} when Redis cannot be reached or answers with an error; its message
 * names the server without the password. Get one from {@link RedisBackend#idempotency()}.
 * Thread-safe.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {

    private static final String DONE = "done";

    // Absent: hold it. Held by this very call (sent again): the answer it got. Held past its
    // lease: take it over. Anything else was finished. A value without a token, from an older
    // version, is read as held by someone else.
    private static final LuaScript BEGIN = new LuaScript(LuaScript.NOW
            + "local value = redis.call('GET', KEYS[1])\n"
            + "local lease = tonumber(ARGV[1])\n"
            + "local expiry = math.max(tonumber(ARGV[2]), lease)\n"
            + "local function hold(answer)\n"
            + "  local held = 'held:' .. string.format('%.0f', now + lease) .. ':' .. ARGV[3]"
            + " .. ':' .. answer\n"
            + "  redis.call('SET', KEYS[1], held, 'PX', expiry)\n"
            + "  return answer\n"
            + "end\n"
            + "if not value then\n"
            + "  return hold('NEW')\n"
            + "end\n"
            + "if string.sub(value, 1, 5) ~= 'held:' then\n"
            + "  return 'DONE'\n"
            + "end\n"
            + "local untilText, token, answer = string.match(value, '^held:(%d+):([^:]+):(.+)$')\n"
            + "if token == ARGV[3] then\n"
            + "  return answer\n"
            + "end\n"
            + "local untilMillis = tonumber(untilText or string.sub(value, 6))\n"
            + "if untilMillis and untilMillis > now then\n"
            + "  return 'HELD'\n"
            + "end\n"
            + "return hold('TAKEN_OVER')\n");

    private final RedisConnector redis;
    private final String prefix;
    private final Duration expiry;

    RedisIdempotencyStore(RedisConnector redis, String prefix, Duration expiry) {
        this.redis = redis;
        this.prefix = prefix + "idem:";
        this.expiry = expiry;
    }

    /**
     * Claims a key with {@code SET NX}, marking it as finished for the store's expiry.
     *
     * @param key the key
     * @return {@code true} if nobody had claimed or begun it within the expiry
     */
    @Override
    public boolean claim(String key) {
        String stored = key(key);
        String reply = redis.call("claiming idempotency key '" + key + "'", r -> r.set(stored,
                DONE, SetParams.setParams().nx().px(expiry.toMillis())));
        return "OK".equals(reply);
    }

    /**
     * Deletes a key, so that its work can be claimed or begun again.
     *
     * @param key the key
     */
    @Override
    public void release(String key) {
        String stored = key(key);
        redis.call("releasing idempotency key '" + key + "'", r -> r.del(stored));
    }

    /**
     * Begins work under a key, atomically, in one script measured by the Redis server's clock.
     * Safe to send twice: a retry after a timeout gets the answer the first try got.
     *
     * @param key the key
     * @param lease how long the caller holds the key, positive
     * @return what the store found
     * @throws IllegalArgumentException if the lease is not positive
     */
    @Override
    public Claim begin(String key, Duration lease) {
        String stored = key(key);
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("idempotency key '" + key + "': lease " + lease
                    + " must be positive");
        }
        List<String> args = List.of(String.valueOf(Math.max(1, lease.toMillis())),
                String.valueOf(expiry.toMillis()), UUID.randomUUID().toString());
        Object reply = redis.call("beginning idempotency key '" + key + "'",
                r -> BEGIN.run(r, List.of(stored), args));
        return Claim.valueOf(String.valueOf(reply));
    }

    /**
     * Marks the work under a key as finished, for the store's expiry.
     *
     * @param key the key
     */
    @Override
    public void complete(String key) {
        String stored = key(key);
        redis.call("completing idempotency key '" + key + "'", r -> r.set(stored, DONE,
                SetParams.setParams().px(expiry.toMillis())));
    }

    private String key(String key) {
        Objects.requireNonNull(key, "key");
        return prefix + key;
    }

    @Override
    public String toString() {
        return "IdempotencyStore[Redis " + redis.url() + ", keys '" + prefix + "*', expiry "
                + expiry + "]";
    }
}
