package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a Redis server of its own on a free loopback port, with a password, and stops and starts
 * it under a running bus.
 */
final class RedisReconnectTest {

    private static final String SECRET = "r3connect-Secret";

    private final int port = freePort();
    private Process server;
    private RedisBackend backend;

    @AfterEach
    void stop() throws InterruptedException {
        if (backend != null) {
            backend.close();
        }
        stopServer();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private void startServer() throws IOException {
        server = new ProcessBuilder("redis-server", "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--requirepass", SECRET)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!accepts()) {
            assertThat(server.isAlive()).as("redis-server on port %d is running", port).isTrue();
            assertThat(System.nanoTime()).as("redis-server answers in time").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 100);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            assertThat(server.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void publishFailsFastWhileRedisIsDownAndTheConsumerRecoversWhenItIsBack() throws Exception {
        startServer();
        backend = RedisBackend.builder(URI.create("redis://:" + SECRET + "@127.0.0.1:" + port))
                .build();
        RedisEventBus bus = RedisFixture.bus(backend).build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        bus.subscribe("t", "g", e -> received.add(e.id()));
        bus.publish("t", Event.builder("demo").id("before").build());
        assertThat(received.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("before");

        stopServer();
        long started = System.nanoTime();
        assertThatThrownBy(() -> bus.publish("t", Event.builder("demo").id("during").build()))
                .isInstanceOfSatisfying(EventRejectedException.class, e ->
                        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)))
                .hasMessageContaining("'during'")
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageNotContaining(SECRET);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(Duration.ofSeconds(1));

        startServer();
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
