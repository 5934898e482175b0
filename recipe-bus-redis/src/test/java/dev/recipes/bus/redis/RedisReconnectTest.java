package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a Redis server of its own, with a password, and stops and starts it under a running bus.
 */
final class RedisReconnectTest {

    private static final String SECRET = "r3connect-Secret";

    private final RedisServerFixture server = new RedisServerFixture(SECRET);
    private RedisBackend backend;

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        server.close();
    }

    @Test
    void publishFailsFastWhileRedisIsDownAndTheConsumerRecoversWhenItIsBack() throws Exception {
        server.start();
        backend = RedisBackend.builder(server.url()).build();
        RedisEventBus bus = RedisFixture.bus(backend).build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        bus.subscribe("t", "g", e -> received.add(e.id()));
        bus.publish("t", Event.builder("demo").id("before").build());
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("before");

        server.stop();
        long started = System.nanoTime();
        assertThatThrownBy(() -> bus.publish("t", Event.builder("demo").id("during").build()))
                .isInstanceOfSatisfying(EventRejectedException.class, e ->
                        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)))
                .hasMessageContaining("'during'")
                .hasMessageContaining("127.0.0.1:" + server.port())
                .hasMessageNotContaining(SECRET);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(Duration.ofSeconds(1));

        server.start();
        Event after = Event.builder("demo").id("after").build();
        publishOnceTaken(bus, after);

        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(bus.toString()).doesNotContain(SECRET);
    }

    // Pooled connections from before the restart fail once each; the caller tries again, as
    // the rejection asks.
    private static void publishOnceTaken(RedisEventBus bus, Event event) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                bus.publish("t", event);
                return;
            } catch (EventRejectedException e) {
                assertThat(System.nanoTime()).as("published before the deadline: %s",
                        e.getMessage()).isLessThan(deadline);
                LockSupport.parkNanos(e.retryAfter().toNanos() / 10);
            }
        }
    }
}
