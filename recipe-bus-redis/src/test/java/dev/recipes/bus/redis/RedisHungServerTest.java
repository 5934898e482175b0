package dev.recipes.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore.Claim;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a Redis server of its own and makes it hang for longer than one command timeout and less
 * than two, as a stuck server would, while the backend sends it commands.
 */
final class RedisHungServerTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration HANG = Duration.ofMillis(1600);

    private final RedisServerFixture server = new RedisServerFixture();
    private RedisBackend backend;

    @BeforeEach
    void start() {
        server.start();
        backend = RedisBackend.builder(server.url()).commandTimeout(COMMAND_TIMEOUT).build();
    }

    @AfterEach
    void stop() {
        server.awaitAnswering();
        backend.close();
        server.close();
    }

    @Test
    void beginSentAgainAfterATimeoutGetsTheAnswerOfItsFirstTry() {
        RedisIdempotencyStore store = backend.idempotency();
        // Loads the script, so that the first try runs it once the server wakes up.
        assertThat(store.begin("other", Duration.ofMinutes(1))).isEqualTo(Claim.NEW);
        server.hang(HANG);
        long started = System.nanoTime();

        Claim claim = store.begin("k", Duration.ofMinutes(1));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the first try timed out")
                .isGreaterThanOrEqualTo(COMMAND_TIMEOUT);
        assertThat(claim).isEqualTo(Claim.NEW);
        assertThat(store.begin("k", Duration.ofMinutes(1))).isEqualTo(Claim.HELD);
    }

    @Test
    void publishFailsWithinOneCommandTimeoutWhileRedisHangs() {
        RedisEventBus bus = RedisFixture.bus(backend).build();
        server.hang(HANG);
        long started = System.nanoTime();

        assertThatThrownBy(() -> bus.publish("t", Event.builder("demo").id("e1").build()))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("'e1'")
                .hasMessageContaining("127.0.0.1:" + server.port());

        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(COMMAND_TIMEOUT.multipliedBy(3).dividedBy(2));
    }
}
