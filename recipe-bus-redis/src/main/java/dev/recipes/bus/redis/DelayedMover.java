package dev.recipes.bus.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.bus.redis.RedisConnector.RedisUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves delayed events that are due from the bus's sorted set into their streams, a bounded
 * number at a time. Each event moves in one script that adds it to its stream and then removes
 * it from the set, so that movers of several instances never move one twice and a crash never
 * loses one; an event its stream refuses (the key holds another type, say) goes to the dead
 * stream instead. Due times are read from the Redis server's clock.
 */
final class DelayedMover implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DelayedMover.class);
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final int BATCH = 100;

    private static final LuaScript DUE = new LuaScript(LuaScript.NOW
            + "return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0,"
            + " tonumber(ARGV[1]))\n");

    // Returns 0 if another mover took the event, 1 if it moved, or the reason it went to the
    // dead stream. Scripts do not roll back: nothing is removed before it is added elsewhere.
    private static final LuaScript MOVE = new LuaScript(
            "if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then\n"
            + "  return 0\n"
            + "end\n"
            + "local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', ARGV[4],"
            + " ARGV[2])\n"
            + "local moved = 1\n"
            + "if type(added) == 'table' and added.err then\n"
            + "  moved = 'stream \\'' .. KEYS[2] .. '\\' refused the event: ' .. added.err\n"
            + "  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'topic', ARGV[5],"
            + " 'group', '', 'event', ARGV[2], 'reason', moved)\n"
            + "end\n"
            + "redis.call('ZREM', KEYS[1], ARGV[1])\n"
            + "return moved\n");

    private static final LuaScript DEAD_LETTER = new LuaScript(
            "if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then\n"
            + "  return 0\n"
            + "end\n"
            + "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'topic', ARGV[4],"
            + " 'group', '', 'event', ARGV[1], 'reason', ARGV[2])\n"
            + "return 1\n");

    private final RedisEventBus bus;
    private final BusSettings settings;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Backoff backoff = new Backoff();
    private boolean errorLogged;

    DelayedMover(RedisEventBus bus) {
        this.bus = bus;
        this.settings = bus.settings();
        this.thread = new Thread(this, "recipes-redis-delayed-" + settings.instanceId());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() {
        stop.countDown();
    }

    Thread thread() {
        return thread;
    }

    @Override
    public void run() {
        while (stop.getCount() > 0) {
            Duration wait;
            try {
                wait = moveDue() < BATCH ? INTERVAL : Duration.ZERO;
                errorLogged = false;
                int failures = backoff.succeeded();
                if (failures > 0) {
                    LOG.info("Redis bus: moving delayed events on {} again after {} failed "
                            + "tries", bus.redis().url(), failures);
                }
            } catch (RedisUnavailableException e) {
                if (backoff.failed()) {
                    LOG.warn("Redis bus: delayed events cannot be moved: {}; trying again with "
                            + "backoff up to 5 s", e.getMessage());
                }
                wait = backoff.delay();
            } catch (RuntimeException e) {
                backoff.failed();
                LOG.warn("Redis bus: moving delayed events failed: {}", e.getMessage(), e);
                wait = backoff.delay();
            } catch (Error e) {
                // Such as running out of memory on a huge event: the mover carries on.
                backoff.failed();
                if (!errorLogged) {
                    errorLogged = true;
                    LOG.error("Redis bus: moving delayed events failed: {}; trying again with "
                            + "backoff up to 5 s", e.toString(), e);
                }
                wait = backoff.delay();
            }
            if (!wait.isZero() && pause(wait)) {
                return;
            }
        }
    }

    private boolean pause(Duration wait) {
        try {
            return stop.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private int moveDue() {
        String delayed = settings.delayedSet();
        List<?> due = (List<?>) bus.call("reading due delayed events",
                r -> DUE.run(r, List.of(delayed), List.of(String.valueOf(BATCH))));
        for (Object item : due) {
            move(String.valueOf(item));
        }
        return due.size();
    }

    private void move(String member) {
        String delayed = settings.delayedSet();
        String maxLen = String.valueOf(settings.maxLen());
        String topic = null;
        String event;
        try {
            JsonNode held = RedisEventBus.JSON.readTree(member);
            topic = held.path("topic").asText(null);
            JsonNode json = held.get("event");
            if (topic == null || json == null || !json.isObject()) {
                throw new IllegalArgumentException("it has no topic or no event");
            }
            bus.checkTopic(topic);
            event = json.toString();
        } catch (Exception e) {
            String reason = "the delayed event cannot be read: " + e.getMessage();
            String named = topic == null ? "" : topic;
            bus.call("dead-lettering a delayed event", r -> DEAD_LETTER.run(r,
                    List.of(delayed, settings.deadStream()), List.of(member, reason, maxLen,
                            named)));
            LOG.error("Redis bus: delayed event moved to dead stream '{}': {}",
                    settings.deadStream(), reason);
            return;
        }
        String stream = settings.stream(topic);
        String named = topic;
        Object moved = bus.call("moving a delayed event", r -> MOVE.run(r,
                List.of(delayed, stream, settings.deadStream()),
                List.of(member, event, maxLen, RedisEventBus.FIELD, named)));
        if (moved instanceof String reason) {
            LOG.error("Redis bus: delayed event '{}' of topic '{}' moved to dead stream '{}': {}",
                    RedisEventBus.eventIdOf(event), topic, settings.deadStream(), reason);
        }
    }
}
