package dev.recipes.bus.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.commands.StreamCommands;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * A durable event bus on Redis Streams, shared by every engine instance that uses the same
 * Redis server and key prefix.
 *
 * <p>Each topic is a stream at {@code <prefix><topic>} whose entries hold the event in the
 * CloudEvents JSON format, in the field {@code event}; {@link #publish} adds an entry and
 * trims the stream to about {@code maxLen} entries. Each group is a consumer group, created at
 * the end of the stream when it is first subscribed, so events published before that are not
 * delivered to it. Each subscription is one consumer with its own thread and connection; an
 * entry is acknowledged only once its handler returned normally. An entry that a handler failed
 * on, deferred, or never finished because its process died stays pending, and a consumer of
 * the group claims it once it has been idle for {@code claimIdle}; an entry delivered more than
 * {@code maxDeliveries} times, or that cannot be read as an event, goes to the dead stream
 * {@code <prefix>dead} with its topic, group and the reason. A delivery counts once the entry
 * is handed to a handler and the handler fails on it; a deferral
 * ({@link dev.recipes.core.DeliveryDeferredException}) does not count, so an event that waits
 * for another instance's lease comes back every {@code claimIdle} for as long as it takes.
 * An entry a consumer fetched but left, because
 * it was stopping or the handler fell half a {@code claimIdle} behind its batch, is not counted
 * and can be claimed at once by any consumer of the group. The bus sets no limit on the size of
 * an event: an entry too large for a consumer's memory cannot be read, is tried again every
 * {@code claimIdle} and never reaches the dead stream, so keep events small.
 *
 * <p>{@link #publishLater} keeps events in the sorted set {@code <prefix>delayed}, scored by
 * their due time on the Redis server's clock; a thread of every bus moves those that are due
 * into their streams, so an event waits even while the process that published it is down.
 *
 * <p>When Redis cannot be reached, {@link #publish} fails at once, and when it does not answer,
 * within one command timeout of the backend (2 seconds by default), with an
 * {@link EventRejectedException} that asks the caller to try again in a second; consumers
 * reconnect with a backoff of up to 5 seconds, logging one warning per outage. A publish that
 * timed out is not sent again by the bus, since Redis may still add the entry late; a caller
 * that tries again may then add the event twice, which at-least-once delivery allows.
 *
 * <p>Get one from {@link RedisBackend#bus()} or, with other settings, from
 * {@link #builder(RedisBackend)}. Needs Redis 7.0 or later, standalone or with replicas, not
 * Redis Cluster. Thread-safe.
 */
public final class RedisEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(RedisEventBus.class);

    /** The field of a stream entry that holds the event. */
    static final String FIELD = "event";
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    private static final Duration LONGEST_DELAY = Duration.ofDays(365);
    private static final Duration IDLE_POLL = Duration.ofMillis(20);
    private static final int DELAYED_PAGE = 500;
    private static final Set<String> RESERVED = Set.of("dead", "delayed");
    private static final List<String> RESERVED_PREFIXES = List.of("idem:", "lease:");
    private static final ThreadLocal<RedisEventBus> DELIVERING = new ThreadLocal<>();

    private static final LuaScript PUBLISH_LATER = new LuaScript(LuaScript.NOW
            + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])\n"
            + "return 1\n");

    private final RedisConnector redis;
    private final BusSettings settings;
    private final List<StreamConsumer> consumers = new CopyOnWriteArrayList<>();
    private final AtomicLong consumerCount = new AtomicLong();
    private final Activity activity = new Activity();
    // Set when a connection was lost: the server may have restarted without its data, so the
    // groups of this bus are created again before the next entry is added.
    private final AtomicBoolean regroup = new AtomicBoolean();
    private final DelayedMover mover;
    private volatile boolean closing;
    private volatile boolean closed;
    private boolean drained; // guarded by this

    private RedisEventBus(RedisConnector redis, BusSettings settings) {
        this.redis = redis;
        this.settings = settings;
        this.mover = new DelayedMover(this);
    }

    /**
     * Starts building a bus on a backend's connections, with settings of its own.
     *
     * @param backend the backend whose connection pool the bus uses
     * @return a builder
     */
    public static Builder builder(RedisBackend backend) {
        return new Builder(backend);
    }

    static RedisEventBus start(RedisConnector redis, BusSettings settings) {
        RedisEventBus bus = new RedisEventBus(redis, settings);
        bus.mover.start();
        LOG.info("Redis bus '{}' started on {} with prefix '{}'", settings.instanceId(),
                redis.url(), settings.prefix());
        return bus;
    }

    /**
     * Adds the event to the topic's stream.
     *
     * @param topic the topic; not {@code dead} or {@code delayed}, nor starting with
     *     {@code idem:} or {@code lease:}, which name the bus's own keys
     * @param event the event
     * @throws EventRejectedException if Redis cannot be reached, does not answer within the
     *     command timeout, or the bus is closed
     * @throws IllegalArgumentException if the topic is blank or names one of the bus's keys
     */
    @Override
    public void publish(String topic, Event event) {
        Objects.requireNonNull(event, "event");
        checkTopic(topic);
        checkOpen(topic, event);
        Map<String, String> entry = Map.of(FIELD, event.toJson().toString());
        XAddParams trim = XAddParams.xAddParams().maxLen(settings.maxLen()).approximateTrimming();
        String stream = settings.stream(topic);
        // Limitation: trimming to maxLen drops the oldest entries even if a slow group has not
        // read them; the bus does not refuse events when a group falls that far behind.
        try {
            callOnce("publishing", r -> r.xadd(stream, trim, entry));
        } catch (RecipeException e) {
            throw rejected(topic, event, e);
        }
    }

    /**
     * Returns {@code true}: an entry is acknowledged only after its handler returned, and what a
     * closed or dead instance left is claimed by the others.
     *
     * @return {@code true}
     */
    @Override
    public boolean isDurable() {
        return true;
    }

    /**
     * Returns {@code true}: delayed events are kept in Redis.
     *
     * @return {@code true}
     */
    @Override
    public boolean holdsDelayedEvents() {
        return true;
    }

    /**
     * Keeps the event in Redis until the delay has passed on the Redis server's clock, then
     * adds it to the topic's stream. Any running bus with the same prefix moves it, so it is
     * delivered even if this one has closed by then.
     *
     * @param topic the topic
     * @param event the event
     * @param delay zero or more, at most 365 days
     * @throws EventRejectedException if Redis cannot be reached or the bus is closed
     * @throws IllegalArgumentException if the delay is negative or longer than 365 days, or
     *     the topic is blank or names one of the bus's keys
     */
    @Override
    public void publishLater(String topic, Event event, Duration delay) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(delay, "delay");
        checkTopic(topic);
        if (delay.isNegative() || delay.compareTo(LONGEST_DELAY) > 0) {
            throw new IllegalArgumentException("Redis bus: delay " + delay + " of event '"
                    + event.id() + "' must be between zero and " + LONGEST_DELAY);
        }
        checkOpen(topic, event);
        ObjectNode held = JSON.createObjectNode();
        held.put("nonce", UUID.randomUUID().toString());
        held.put("topic", topic);
        held.set("event", event.toJson());
        List<String> args = List.of(String.valueOf(delay.toMillis()), held.toString());
        try {
            call("holding a delayed event",
                    r -> PUBLISH_LATER.run(r, List.of(settings.delayedSet()), args));
        } catch (RecipeException e) {
            throw rejected(topic, event, e);
        }
    }

    /**
     * Subscribes a handler as a new consumer of the group, created at the end of the topic's
     * stream if it does not exist yet. If Redis cannot be reached now, the consumer creates
     * the group once it can.
     *
     * @param topic the topic
     * @param group the group, not blank
     * @param handler called on the consumer's own thread
     * @return the subscription; closing it stops the consumer after its current event
     * @throws IllegalStateException if the bus is closing or closed
     * @throws IllegalArgumentException if the topic names one of the bus's keys, or the topic
     *     or group is blank
     */
    @Override
    public Subscription subscribe(String topic, String group, EventHandler handler) {
        checkTopic(topic);
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(handler, "handler");
        if (group.isBlank()) {
            throw new IllegalArgumentException("Redis bus: group of topic '" + topic
                    + "' is blank");
        }
        StreamConsumer consumer;
        synchronized (consumers) {
            if (closing) {
                throw new IllegalStateException("Redis bus: " + (closed ? "closed" : "closing")
                        + "; cannot subscribe to topic '" + topic + "'");
            }
            String name = settings.instanceId() + "-" + consumerCount.incrementAndGet();
            consumer = new StreamConsumer(this, topic, group, name, handler);
            consumers.add(consumer);
        }
        try {
            call("creating group '" + group + "'", r -> {
                createGroup(r, consumer.stream(), group);
                return null;
            });
        } catch (RecipeException e) {
            LOG.warn("Redis bus: group '{}' on topic '{}' is not created yet ({}); its consumer "
                    + "creates it once Redis answers", group, topic, e.getMessage());
        }
        consumer.start();
        return consumer;
    }

    /**
     * Waits until this bus runs no handler, every group it subscribes has no pending entry and
     * nothing left to read, and no delayed event for its topics waits in Redis, due or not.
     *
     * <p>This looks at Redis as a whole: it waits for other instances' work on the same groups
     * too, and for consumers of this bus that are reconnecting. Meant for tests; polls Redis
     * every 20 ms.
     *
     * @param timeout how long to wait at most
     * @return {@code true} if all was idle at once, {@code false} if the time ran out
     * @throws InterruptedException if the waiting thread is interrupted
     */
    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        while (!isIdle()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, IDLE_POLL.toNanos()));
        }
        return true;
    }

    private boolean isIdle() {
        long version = activity.versionIfQuiet();
        if (version < 0) {
            return false;
        }
        Set<Map.Entry<String, String>> groups = new HashSet<>();
        Set<String> topics = new HashSet<>();
        for (StreamConsumer consumer : consumers) {
            groups.add(Map.entry(consumer.stream(), consumer.group()));
            topics.add(consumer.topic());
        }
        try {
            // The delayed events first: one moved into its stream after this look is still
            // seen there by the next, whereas the other way round it would be seen by neither.
            boolean idle = redis.call("checking whether the bus is idle",
                    r -> noDelayedEvents(r, topics) && groupsIdle(r, groups));
            return idle && activity.versionIfQuiet() == version;
        } catch (RecipeException e) {
            LOG.debug("Redis bus: cannot tell whether it is idle: {}", e.getMessage());
            return false;
        }
    }

    private static boolean groupsIdle(UnifiedJedis redis, Set<Map.Entry<String, String>> groups) {
        for (Map.Entry<String, String> group : groups) {
            List<StreamGroupInfo> infos;
            try {
                infos = redis.xinfoGroups(group.getKey());
            } catch (JedisDataException e) {
                return false;
            }
            StreamGroupInfo info = infos.stream()
                    .filter(candidate -> candidate.getName().equals(group.getValue()))
                    .findFirst().orElse(null);
            if (info == null || info.getPending() > 0) {
                return false;
            }
            Object lag = info.getGroupInfo().get("lag");
            if (lag instanceof Long count ? count > 0 : !redis.xinfoStream(group.getKey())
                    .getLastGeneratedId().equals(info.getLastDeliveredId())) {
                return false;
            }
        }
        return true;
    }

    private boolean noDelayedEvents(UnifiedJedis redis, Set<String> topics) {
        String delayed = settings.delayedSet();
        long size = redis.zcard(delayed);
        for (long start = 0; start < size; start += DELAYED_PAGE) {
            for (String member : redis.zrange(delayed, start, start + DELAYED_PAGE - 1)) {
                if (topics.contains(topicOf(member))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String topicOf(String member) {
        try {
            return JSON.readTree(member).path("topic").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Stops the consumers and waits up to the deadline for the handlers running now; no handler
     * call starts after this began. A consumer's read that is waiting for new entries is not cut
     * short: it ends within the poll timeout, possibly after this returned. Entries read but
     * not handled, including any that such a last read brings in, are not counted as delivered
     * and are left claimable at once, so a consumer of another instance takes them the next
     * time it looks for idle entries (every half claim idle time, at most every 5 seconds). The
     * events of handlers still running at the deadline stay pending until the claim idle time
     * has passed. Delayed events stay in Redis. Handlers may still publish while the bus
     * closes; afterwards publishing is rejected.
     *
     * @param deadline how long to wait for running handlers
     * @return {@code true} if every handler that was running finished in time
     */
    @Override
    public synchronized boolean close(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (closed) {
            return drained;
        }
        long end = System.nanoTime() + Math.max(0, deadline.toNanos());
        synchronized (consumers) {
            closing = true;
        }
        consumers.forEach(StreamConsumer::stop);
        mover.stop();
        try {
            drained = activity.awaitQuiet(end);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        closed = true;
        joinThreads(end);
        if (drained) {
            LOG.info("Redis bus '{}' closed", settings.instanceId());
        } else {
            LOG.error("Redis bus '{}' closed with {} handlers still running; their events stay "
                    + "pending and are delivered again", settings.instanceId(),
                    activity.handling());
        }
        return drained;
    }

    // Consumers stop after their current read, which blocks for at most the poll timeout.
    private void joinThreads(long end) {
        try {
            for (Thread thread : threads()) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                if (thread != Thread.currentThread()) {
                    thread.join(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        threads.add(mover.thread());
        consumers.forEach(consumer -> threads.add(consumer.thread()));
        return threads;
    }

    // Runs a command on the pool; after a lost connection, first creates this bus's groups
    // again, in case the server restarted without its data.
    <T> T call(String what, Function<UnifiedJedis, T> command) {
        return redis.call(what, regrouping(command));
    }

    // The same for a command that must not run twice: not tried again after a timeout.
    private <T> T callOnce(String what, Function<UnifiedJedis, T> command) {
        return redis.callOnce(what, regrouping(command));
    }

    private <T> Function<UnifiedJedis, T> regrouping(Function<UnifiedJedis, T> command) {
        return r -> {
            try {
                if (regroup.compareAndSet(true, false)) {
                    recreateGroups(r);
                }
                return command.apply(r);
            } catch (JedisConnectionException e) {
                regroup.set(true);
                throw e;
            }
        };
    }

    private void recreateGroups(UnifiedJedis redis) {
        try {
            for (StreamConsumer consumer : consumers) {
                createGroup(redis, consumer.stream(), consumer.group());
            }
        } catch (RuntimeException e) {
            regroup.set(true);
            throw e;
        }
    }

    static void createGroup(StreamCommands redis, String stream, String group) {
        try {
            redis.xgroupCreate(stream, group, StreamEntryID.XGROUP_LAST_ENTRY, true);
        } catch (JedisDataException e) {
            if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                throw e;
            }
        }
    }

    void checkTopic(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("Redis bus: topic is blank");
        }
        if (RESERVED.contains(topic) || RESERVED_PREFIXES.stream().anyMatch(topic::startsWith)) {
            throw new IllegalArgumentException("Redis bus: topic '" + topic + "' names one of "
                    + "the bus's own keys under prefix '" + settings.prefix()
                    + "'; choose another topic");
        }
    }

    private void checkOpen(String topic, Event event) {
        if (closed || (closing && DELIVERING.get() != this)) {
            throw new EventRejectedException("Redis bus: " + (closed ? "closed" : "closing")
                    + "; event '" + event.id() + "' on topic '" + topic + "' was not taken",
                    RETRY_AFTER);
        }
    }

    private static EventRejectedException rejected(String topic, Event event,
            RecipeException cause) {
        return new EventRejectedException("Redis bus: event '" + event.id() + "' on topic '"
                + topic + "' was not taken: " + cause.getMessage(), RETRY_AFTER);
    }

    static String eventIdOf(String json) {
        try {
            return JSON.readTree(json).path("id").asText("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }

    RedisConnector redis() {
        return redis;
    }

    BusSettings settings() {
        return settings;
    }

    Activity activity() {
        return activity;
    }

    void connectionLost() {
        regroup.set(true);
    }

    void delivering(boolean delivering) {
        if (delivering) {
            DELIVERING.set(this);
        } else {
            DELIVERING.remove();
        }
    }

    void left(StreamConsumer consumer) {
        if (!closing) {
            consumers.remove(consumer);
        }
    }

    @Override
    public String toString() {
        return "EventBus[Redis " + redis.url() + ", prefix '" + settings.prefix()
                + "', instance '" + settings.instanceId() + "', " + consumers.size()
                + " subscriptions]";
    }

    /**
     * Builds a {@link RedisEventBus}. Each setting may be set once; each is checked when set.
     */
    public static final class Builder {

        private final RedisBackend backend;
        private String prefix;
        private Long maxLen;
        private Duration claimIdle;
        private Integer maxDeliveries;
        private Integer batchSize;
        private Duration pollTimeout;
        private String instanceId;

        private Builder(RedisBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /**
         * Sets what every key of the bus starts with; the backend's prefix by default.
         *
         * @param prefix not empty
         * @return this builder
         */
        public Builder prefix(String prefix) {
            RedisBackend.checkPrefix(prefix, "Redis bus");
            this.prefix = once(this.prefix, prefix, "prefix");
            return this;
        }

        /**
         * Sets about how many entries each stream keeps; older ones are trimmed, even if a
         * group has not read them yet. 100,000 by default.
         *
         * @param maxLen at least 1
         * @return this builder
         */
        public Builder maxLen(long maxLen) {
            if (maxLen < 1) {
                throw new IllegalArgumentException("Redis bus: maxLen " + maxLen
                        + " must be at least 1");
            }
            this.maxLen = once(this.maxLen, maxLen, "maxLen");
            return this;
        }

        /**
         * Sets how long an entry stays unacknowledged before a consumer claims it again: after
         * its handler failed or deferred it, or when the consumer that read it died. Keep it
         * well above the time a handler takes. 30 seconds by default.
         *
         * @param claimIdle at least 1 millisecond
         * @return this builder
         */
        public Builder claimIdle(Duration claimIdle) {
            Objects.requireNonNull(claimIdle, "claimIdle");
            if (claimIdle.toMillis() < 1) {
                throw new IllegalArgumentException("Redis bus: claimIdle " + claimIdle
                        + " must be at least 1 millisecond");
            }
            this.claimIdle = once(this.claimIdle, claimIdle, "claimIdle");
            return this;
        }

        /**
         * Sets how many times an entry is delivered before it goes to the dead stream. 10 by
         * default.
         *
         * @param maxDeliveries at least 1
         * @return this builder
         */
        public Builder maxDeliveries(int maxDeliveries) {
            if (maxDeliveries < 1) {
                throw new IllegalArgumentException("Redis bus: maxDeliveries " + maxDeliveries
                        + " must be at least 1");
            }
            this.maxDeliveries = once(this.maxDeliveries, maxDeliveries, "maxDeliveries");
            return this;
        }

        /**
         * Sets how many entries a consumer reads or claims at once. 10 by default.
         *
         * @param batchSize from 1 to 1,000
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 1000) {
                throw new IllegalArgumentException("Redis bus: batchSize " + batchSize
                        + " must be from 1 to 1000");
            }
            this.batchSize = once(this.batchSize, batchSize, "batchSize");
            return this;
        }

        /**
         * Sets how long a consumer's read waits for new entries before it looks around again;
         * closing waits for at most this long for the reads to end. 1 second by default.
         *
         * @param pollTimeout from 1 millisecond to 60 seconds
         * @return this builder
         */
        public Builder pollTimeout(Duration pollTimeout) {
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            if (pollTimeout.toMillis() < 1 || pollTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("Redis bus: pollTimeout " + pollTimeout
                        + " must be from 1 millisecond to 60 seconds");
            }
            this.pollTimeout = once(this.pollTimeout, pollTimeout, "pollTimeout");
            return this;
        }

        /**
         * Sets what the names of this bus's consumers start with, as seen in
         * {@code XINFO CONSUMERS}; unique per process. The process id and a random suffix by
         * default.
         *
         * @param instanceId not blank, without spaces
         * @return this builder
         */
        public Builder instanceId(String instanceId) {
            Objects.requireNonNull(instanceId, "instanceId");
            if (instanceId.isBlank() || instanceId.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("Redis bus: instanceId '" + instanceId
                        + "' must be non-blank and without spaces");
            }
            this.instanceId = once(this.instanceId, instanceId, "instanceId");
            return this;
        }

        private static <T> T once(T current, T value, String setting) {
            if (current != null) {
                throw new IllegalStateException("Redis bus: " + setting + " is already set to "
                        + current);
            }
            return value;
        }

        /**
         * Builds the bus and starts its thread that moves delayed events.
         *
         * @return a running bus; the engine closes it, or the backend when it closes
         * @throws IllegalStateException if the backend is closed
         */
        public RedisEventBus build() {
            BusSettings settings = new BusSettings(
                    prefix == null ? backend.prefix() : prefix,
                    maxLen == null ? 100_000 : maxLen,
                    claimIdle == null ? Duration.ofSeconds(30) : claimIdle,
                    maxDeliveries == null ? 10 : maxDeliveries,
                    batchSize == null ? 10 : batchSize,
                    pollTimeout == null ? Duration.ofSeconds(1) : pollTimeout,
                    instanceId == null ? defaultInstanceId() : instanceId);
            return backend.register(settings);
        }

        private static String defaultInstanceId() {
            return ProcessHandle.current().pid() + "-"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
        }
    }
}
