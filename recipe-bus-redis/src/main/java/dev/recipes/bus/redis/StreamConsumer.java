package dev.recipes.bus.redis;

import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventHandler;
import dev.recipes.core.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * One consumer of one group on one stream, with its own thread and its own connection. It
 * reads new entries, and now and then claims entries that stayed unacknowledged longer than the
 * claim idle time, whoever held them; an entry is acknowledged only once its handler returned.
 */
final class StreamConsumer implements Subscription, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamConsumer.class);
    private static final String FIRST_CURSOR = "0-0";
    private static final int LOGGED_IDS = 10;

    // Adds the entry to the dead stream and acknowledges it, in one step.
    private static final LuaScript DEAD_LETTER = new LuaScript(
            "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'topic', ARGV[2],"
            + " 'group', ARGV[3], 'event', ARGV[4], 'reason', ARGV[5])\n"
            + "return redis.call('XACK', KEYS[2], ARGV[3], ARGV[6])\n");

    // Makes entries this consumer fetched but never offered to its handler claimable by any
    // consumer at once, as if they had waited the claim idle time, and takes back the delivery
    // that fetching them counted. Skips an entry that another consumer has claimed since.
    private static final LuaScript RELEASE = new LuaScript(
            "local released = 0\n"
            + "for i = 4, #ARGV do\n"
            + "  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1,"
            + " ARGV[2])\n"
            + "  if #pending > 0 then\n"
            + "    local count = math.max(tonumber(pending[1][4]) - 1, 0)\n"
            + "    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3],"
            + " 'RETRYCOUNT', count, 'JUSTID')\n"
            + "    released = released + 1\n"
            + "  end\n"
            + "end\n"
            + "return released\n");

    // A consumer that holds pending entries stays, so that they can still be seen and claimed.
    private static final LuaScript FORGET_IF_IDLE = new LuaScript(
            "if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then\n"
            + "  return -1\n"
            + "end\n"
            + "return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])\n");

    /** An entry read from the stream; {@code fields} is {@code null} if it was deleted. */
    private record Entry(String id, Map<String, String> fields) {
    }

    private final RedisEventBus bus;
    private final BusSettings settings;
    private final String topic;
    private final String group;
    private final String stream;
    private final String name;
    private final EventHandler handler;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    // Held while a handler call is let in, so that none starts after stop() returned.
    private final Object gate = new Object();
    private final Backoff backoff = new Backoff();
    private volatile boolean running = true;

    // Touched by the consumer's thread only.
    private Jedis connection;
    private boolean groupReady;
    private boolean joined; // the group existed once: Redis may list this consumer in it
    private String claimCursor = FIRST_CURSOR;
    private long nextClaimAt;
    private boolean errorLogged;

    StreamConsumer(RedisEventBus bus, String topic, String group, String name,
            EventHandler handler) {
        this.bus = bus;
        this.settings = bus.settings();
        this.topic = topic;
        this.group = group;
        this.stream = settings.stream(topic);
        this.name = name;
        this.handler = handler;
        this.thread = new Thread(this, "recipes-redis-" + topic + "-" + group + "-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    String stream() {
        return stream;
    }

    Thread thread() {
        return thread;
    }

    @Override
    public String topic() {
        return topic;
    }

    @Override
    public String group() {
        return group;
    }

    /**
     * Stops the consumer. The event being handled, if any, is finished; no handler call starts
     * once this returns. A read that is waiting for new entries still ends on its own, within
     * the poll timeout; entries it brings in, and any other entry the consumer fetched but did
     * not hand to its handler, are not counted as delivered and are left claimable at once, so
     * another consumer of the group takes them the next time it looks for idle entries (every
     * half claim idle time, at most every 5 seconds) instead of after the claim idle time.
     */
    @Override
    public void close() {
        stop();
        bus.left(this);
    }

    void stop() {
        synchronized (gate) {
            running = false;
        }
        stop.countDown();
    }

    @Override
    public void run() {
        nextClaimAt = System.nanoTime();
        try {
            while (running) {
                try {
                    step();
                    recovered();
                } catch (JedisConnectionException e) {
                    connectionLost(e);
                } catch (RuntimeException e) {
                    failed(e);
                } catch (Error e) {
                    brokeQuietly(e);
                }
            }
        } finally {
            leave();
        }
    }

    private void step() {
        if (connection == null) {
            connection = bus.redis().open(settings.pollTimeout());
        }
        if (!groupReady) {
            RedisEventBus.createGroup(connection, stream, group);
            groupReady = true;
            joined = true;
        }
        if (System.nanoTime() - nextClaimAt >= 0) {
            claim();
        }
        if (running) {
            read();
        }
    }

    private void read() {
        long untilClaim = TimeUnit.NANOSECONDS.toMillis(nextClaimAt - System.nanoTime());
        long block = Math.max(1, Math.min(settings.pollTimeout().toMillis(), untilClaim));
        XReadGroupParams params = XReadGroupParams.xReadGroupParams()
                .count(settings.batchSize()).block((int) block);
        List<Map.Entry<String, List<StreamEntry>>> reply = connection.xreadGroup(group, name,
                params, Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        if (reply == null || reply.isEmpty()) {
            return;
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, List<StreamEntry>> perStream : reply) {
            for (StreamEntry entry : perStream.getValue()) {
                entries.add(new Entry(entry.getID().toString(), entry.getFields()));
            }
        }
        bus.activity().touched();
        offerFetched(entries);
    }

    // Offers new entries in their order. Once half the claim idle time has passed since the
    // read, the rest might soon be claimed by another consumer and handled twice: they are
    // released for whichever consumer claims first. So are those left when the consumer stops.
    private void offerFetched(List<Entry> entries) {
        long fetchedAt = System.nanoTime();
        long stale = settings.claimIdle().dividedBy(2).toNanos();
        int offered = 0;
        while (offered < entries.size() && running && System.nanoTime() - fetchedAt < stale
                && offer(entries.get(offered))) {
            offered++;
        }
        if (offered < entries.size()) {
            release(entries.subList(offered, entries.size()));
        }
    }

    // Takes over entries left unacknowledged for the claim idle time, by any consumer of the
    // group, this one included (a handler that failed leaves its entry pending). Claiming counts
    // a delivery, so it takes one entry at a time and offers it at once; after batchSize tries
    // it reads new entries before it looks further.
    // Limitation: an entry whose handler runs longer than claimIdle is claimed and handled
    // again elsewhere while the first handler still runs; idempotency keys keep the effect once.
    private void claim() {
        for (int tries = 0; tries < settings.batchSize() && running; tries++) {
            List<Object> reply = connection.xautoclaim(bytes(stream), bytes(group), bytes(name),
                    settings.claimIdle().toMillis(), bytes(claimCursor),
                    XAutoClaimParams.xAutoClaimParams().count(1));
            claimCursor = text(reply.get(0));
            if (reply.size() > 2) {
                warnOfDeleted(reply.get(2));
            }
            for (Entry entry : entries(reply.get(1))) {
                bus.activity().touched();
                LOG.debug("Redis bus: consumer '{}' of group '{}' on topic '{}' claimed entry "
                        + "'{}'", name, group, topic, entry.id());
                offerClaimed(entry);
            }
            if (FIRST_CURSOR.equals(claimCursor)) {
                nextClaimAt = System.nanoTime() + settings.claimInterval().toNanos();
                return;
            }
        }
        nextClaimAt = System.nanoTime();
    }

    private void offerClaimed(Entry entry) {
        long deliveries = deliveries(entry.id());
        if (deliveries < 0) {
            return;
        }
        if (deliveries > settings.maxDeliveries()) {
            deadLetter(entry, "delivered " + deliveries + " times, more than maxDeliveries "
                    + settings.maxDeliveries());
            return;
        }
        if (!offer(entry)) {
            release(List.of(entry));
        }
    }

    // Handling an Error allocates (logging, a new connection); under memory pressure that can
    // throw again, and the consumer must outlive it.
    private void brokeQuietly(Error e) {
        try {
            broke(e);
        } catch (Throwable again) {
            connection = null;
        }
    }

    private void release(List<Entry> entries) {
        release(entries, settings.claimIdle());
    }

    // With an idle time of zero the entry comes back after the claim idle time, like any
    // unacknowledged entry, but its delivery is not counted: a deferral is not a failure.
    private void release(List<Entry> entries, Duration idle) {
        List<String> args = new ArrayList<>(List.of(group, name,
                String.valueOf(idle.toMillis())));
        entries.forEach(entry -> args.add(entry.id()));
        Object released = RELEASE.run(connection, List.of(stream), args);
        LOG.debug("Redis bus: consumer '{}' of group '{}' on topic '{}' released {} entries it "
                + "did not offer, for any consumer to claim", name, group, topic, released);
    }

    private void warnOfDeleted(Object deleted) {
        List<String> ids = new ArrayList<>();
        for (Object id : (List<?>) deleted) {
            ids.add(text(id));
        }
        if (!ids.isEmpty()) {
            LOG.warn("Redis bus: {} entries of topic '{}' pending for group '{}' were trimmed "
                    + "or deleted before they were handled (raise maxLen if the stream grows "
                    + "past it): {}", ids.size(), topic, group,
                    ids.subList(0, Math.min(ids.size(), LOGGED_IDS)));
        }
    }

    private long deliveries(String id) {
        List<StreamPendingEntry> pending = connection.xpending(stream, group,
                XPendingParams.xPendingParams(id, id, 1));
        return pending.isEmpty() ? -1 : pending.get(0).getDeliveredTimes();
    }

    /**
     * Hands the entry's event to the handler and acknowledges it if the handler returned, or
     * dead-letters an entry that is no event; returns {@code false} if the consumer is stopping
     * and the entry was not offered.
     */
    private boolean offer(Entry entry) {
        String json = entry.fields() == null ? null : entry.fields().get(RedisEventBus.FIELD);
        Event event;
        try {
            if (json == null) {
                throw new IllegalArgumentException("the entry has no field '"
                        + RedisEventBus.FIELD + "'");
            }
            event = Event.fromJson(RedisEventBus.JSON.readTree(json));
        } catch (Exception e) {
            deadLetter(entry, "the entry cannot be read as an event: " + e.getMessage());
            return true;
        }
        synchronized (gate) {
            if (!running) {
                return false;
            }
            bus.activity().started();
        }
        try {
            switch (callHandler(event)) {
                case HANDLED -> connection.xack(stream, group, new StreamEntryID(entry.id()));
                case DEFERRED -> release(List.of(entry), Duration.ZERO);
                case FAILED -> {
                }
            }
        } finally {
            bus.activity().finished();
        }
        return true;
    }

    /** What became of one call of the handler. */
    private enum Outcome { HANDLED, DEFERRED, FAILED }

    private Outcome callHandler(Event event) {
        MDC.put("eventId", event.id());
        bus.delivering(true);
        try {
            handler.handle(event);
            return Outcome.HANDLED;
        } catch (DeliveryDeferredException e) {
            LOG.debug("Redis bus: handler of group '{}' on topic '{}' deferred event '{}': {}",
                    group, topic, event.id(), e.getMessage());
            return Outcome.DEFERRED;
        } catch (Exception | Error e) {
            LOG.warn("Redis bus: handler of group '{}' on topic '{}' failed on event '{}'; it "
                    + "stays pending and is delivered again after {}", group, topic, event.id(),
                    settings.claimIdle(), e);
            return Outcome.FAILED;
        } finally {
            bus.delivering(false);
            MDC.remove("eventId");
        }
    }

    private void deadLetter(Entry entry, String reason) {
        String json = entry.fields() == null ? "" : entry.fields()
                .getOrDefault(RedisEventBus.FIELD, entry.fields().toString());
        DEAD_LETTER.run(connection, List.of(settings.deadStream(), stream), List.of(
                String.valueOf(settings.maxLen()), topic, group, json, reason, entry.id()));
        LOG.error("Redis bus: entry '{}' (event '{}') of topic '{}' moved to dead stream '{}' "
                + "for group '{}': {}", entry.id(), RedisEventBus.eventIdOf(json), topic,
                settings.deadStream(), group, reason);
    }

    private void connectionLost(JedisConnectionException e) {
        bus.connectionLost();
        disconnect();
        if (!running) {
            return;
        }
        if (backoff.failed()) {
            LOG.warn("Redis bus: consumer '{}' of group '{}' on topic '{}' lost {}: {}; "
                    + "reconnecting with backoff up to 5 s", name, group, topic,
                    bus.redis().url(), bus.redis().describe(e));
        }
        pause(backoff.delay());
    }

    private void failed(RuntimeException e) {
        if (e instanceof JedisDataException && String.valueOf(e.getMessage())
                .startsWith("NOGROUP")) {
            groupReady = false;
            LOG.warn("Redis bus: group '{}' on topic '{}' is missing from {}; creating it "
                    + "again", group, topic, bus.redis().url());
            return;
        }
        if (backoff.failed()) {
            LOG.warn("Redis bus: consumer '{}' of group '{}' on topic '{}' failed: {}; trying "
                    + "again with backoff up to 5 s", name, group, topic,
                    bus.redis().describe(e), e);
        } else {
            LOG.debug("Redis bus: consumer '{}' failed again: {}", name,
                    bus.redis().describe(e));
        }
        pause(backoff.delay());
    }

    // An Error while reading, such as running out of memory on a huge entry, may leave a reply
    // read in part: the consumer drops its connection and starts over, as after a lost one.
    // Limitation: an entry too large for the client's memory fails again each time it is
    // claimed, once per claimIdle, and never reaches the dead stream, which needs it read.
    private void broke(Error e) {
        disconnect();
        if (!running) {
            return;
        }
        backoff.failed();
        if (!errorLogged) {
            errorLogged = true;
            LOG.error("Redis bus: consumer '{}' of group '{}' on topic '{}' failed: {}; it "
                    + "reconnects and goes on with backoff up to 5 s", name, group, topic,
                    bus.redis().url().redact(e.toString()), e);
        }
        pause(backoff.delay());
    }

    private void recovered() {
        errorLogged = false;
        int failures = backoff.succeeded();
        if (failures > 0) {
            LOG.info("Redis bus: consumer '{}' of group '{}' on topic '{}' is back on {} after "
                    + "{} failed tries", name, group, topic, bus.redis().url(), failures);
        }
    }

    private void pause(Duration delay) {
        try {
            stop.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    // Limitation: a consumer whose process died stays listed in its group, with nothing
    // pending once its entries were claimed; only a consumer that closes removes itself.
    // A consumer whose connection was lost just before it stopped connects once more to leave.
    private void leave() {
        try {
            if (connection == null && joined) {
                connection = bus.redis().open(settings.pollTimeout());
            }
            if (connection != null) {
                FORGET_IF_IDLE.run(connection, List.of(stream), List.of(group, name));
            }
        } catch (JedisException e) {
            LOG.debug("Redis bus: consumer '{}' could not be removed from group '{}': {}",
                    name, group, bus.redis().describe(e));
        } finally {
            disconnect();
            bus.left(this);
        }
    }

    private void disconnect() {
        groupReady = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (RuntimeException e) {
                LOG.debug("Redis bus: closing the connection of consumer '{}' failed", name, e);
            }
            connection = null;
        }
    }

    private static List<Entry> entries(Object reply) {
        List<Entry> entries = new ArrayList<>();
        for (Object item : (List<?>) reply) {
            List<?> pair = (List<?>) item;
            Map<String, String> fields = null;
            if (pair.size() > 1 && pair.get(1) != null) {
                List<?> flat = (List<?>) pair.get(1);
                fields = new LinkedHashMap<>();
                for (int i = 0; i + 1 < flat.size(); i += 2) {
                    fields.put(text(flat.get(i)), text(flat.get(i + 1)));
                }
            }
            entries.add(new Entry(text(pair.get(0)), fields));
        }
        return entries;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object reply) {
        return reply instanceof byte[] raw
                ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(reply);
    }

    @Override
    public String toString() {
        return "Subscription[Redis, topic '" + topic + "', group '" + group + "', consumer '"
                + name + "']";
    }
}
