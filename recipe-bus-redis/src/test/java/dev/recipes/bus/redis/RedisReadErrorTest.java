package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reaches the shared Redis through a proxy that can answer a consumer's read with a reply too
 * long for the client to hold: the client then throws an {@link OutOfMemoryError}, as it would
 * on a huge entry, and the consumer must go on.
 */
final class RedisReadErrorTest {

    private final RedisFixture redis = new RedisFixture();
    private final RedisProxyFixture proxy = new RedisProxyFixture();

    @AfterEach
    void close() {
        redis.close();
        proxy.close();
    }

    @Test
    void consumerGoesOnAfterAnErrorWhileReading() throws Exception {
        RedisBackend backend = redis.track(RedisBackend.builder(proxy.url()).prefix(redis.prefix)
                .build());
        RedisEventBus bus = RedisFixture.bus(backend).build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        proxy.answerNextOversized("XREADGROUP");
        bus.subscribe("t", "g", e -> received.add(e.id()));
        assertThat(proxy.oversizedSent().await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        bus.publish("t", Event.builder("demo").id("after").build());

        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(redis.pending("t", "g")).isZero();
    }
}
