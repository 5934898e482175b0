package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static dev.recipes.bus.redis.RedisFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * Closes a consumer while its read waits for new entries, on a Redis server of its own, so that
 * the test can see when that read is waiting.
 */
final class RedisClosingConsumerTest {

    private static final Duration CLAIM_IDLE = Duration.ofSeconds(30);
    private static final String STREAM = "recipes:t";

    private final RedisServerFixture server = new RedisServerFixture();
    private RedisBackend backend;
    private Jedis redis;

    @BeforeEach
    void start() {
        server.start();
        backend = RedisBackend.connect(server.url());
        redis = server.connect();
    }

    @AfterEach
    void stop() {
        redis.close();
        backend.close();
        server.close();
    }

    @Test
    void entryTheLastReadOfAClosedConsumerTookIsClaimedAtOnceByAnother() throws Exception {
        RedisEventBus closing = RedisEventBus.builder(backend).claimIdle(CLAIM_IDLE)
                .pollTimeout(Duration.ofSeconds(10)).build();
        List<String> handledAfterClose = new CopyOnWriteArrayList<>();
        Subscription subscription = closing.subscribe("t", "g", e -> handledAfterClose.add(e.id()));
        await("the consumer's read waits for entries", () -> redis.clientList().lines()
                .anyMatch(client -> client.contains(" flags=b ")
                        && client.contains(" cmd=xreadgroup ")));

        subscription.close();
        closing.publish("t", Event.builder("demo").id("late").build());

        await("the closed consumer let the entry go", () -> pending().stream()
                .anyMatch(entry -> entry.getIdleTime() >= CLAIM_IDLE.toMillis()));
        assertThat(pending()).singleElement()
                .satisfies(entry -> assertThat(entry.getDeliveredTimes()).isZero());
        RedisEventBus other = RedisEventBus.builder(backend).claimIdle(CLAIM_IDLE)
                .pollTimeout(Duration.ofMillis(100)).build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        other.subscribe("t", "g", e -> received.add(e.id()));

        assertThat(received.poll(CLAIM_IDLE.toSeconds() / 6, TimeUnit.SECONDS)).isEqualTo("late");
        assertThat(other.awaitIdle(WAIT)).isTrue();
        assertThat(handledAfterClose).isEmpty();
    }

    private List<StreamPendingEntry> pending() {
        return redis.xpending(STREAM, "g", XPendingParams.xPendingParams().count(10));
    }
}
