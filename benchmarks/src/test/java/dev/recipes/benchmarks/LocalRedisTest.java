package dev.recipes.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

final class LocalRedisTest {

    private final Jedis direct = LocalRedis.connect();
    private final String neighbour = "test:benchmarks:" + UUID.randomUUID() + ":kept";

    @BeforeAll
    static void redisAnswers() {
        LocalRedis.checkAnswers();
    }

    @AfterEach
    void close() {
        direct.del(neighbour);
        direct.close();
    }

    @Test
    void close_deletesTheRunsKeys_andNoOthers() {
        LocalRedis redis = LocalRedis.open("test");
        String prefix = redis.prefix();
        direct.set(prefix + "a", "1");
        direct.set(prefix + "b:c", "2");
        direct.set(neighbour, "3");

        redis.close();

        assertThat(direct.exists(prefix + "a", prefix + "b:c")).isZero();
        assertThat(direct.get(neighbour)).isEqualTo("3");
    }

    @Test
    void prefix_isUniquePerRun() {
        try (LocalRedis first = LocalRedis.open("test");
                LocalRedis second = LocalRedis.open("test")) {
            assertThat(first.prefix()).startsWith("bench:test:").endsWith(":")
                    .isNotEqualTo(second.prefix());
        }
    }

    @Test
    void serverThatDoesNotAnswer_failsNamingTheAddressAndHowToStartOne() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        HostAndPort nobody = new HostAndPort("127.0.0.1", closedPort);

        assertThatThrownBy(() -> LocalRedis.checkAnswers(nobody))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Redis at 127.0.0.1:" + closedPort + " is not answering")
                .hasMessageContaining("redis-server --bind 127.0.0.1 --port " + closedPort);
    }
}
