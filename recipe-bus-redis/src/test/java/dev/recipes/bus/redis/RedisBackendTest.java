package dev.recipes.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class RedisBackendTest {

    private static final String SECRET = "s3cret-Pa55";

    private final RedisFixture redis = new RedisFixture();

    @AfterEach
    void close() throws Exception {
        redis.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void sharesOneBusAndStoresOnOnePrefix() {
        RedisBackend backend = redis.backend();

        assertThat(backend.bus()).isSameAs(backend.bus());
        assertThat(backend.idempotency()).isSameAs(backend.idempotency());
        assertThat(backend.leases()).isSameAs(backend.leases());
        assertThat(backend.prefix()).isEqualTo(redis.prefix);
        assertThat(backend.toString()).isEqualTo("RedisBackend[redis://127.0.0.1:6379/0, "
                + "prefix '" + redis.prefix + "']");
    }

    @Test
    void closingTheBackendClosesItsBusesAndRefusesNewOnes() {
        RedisBackend backend = RedisBackend.builder(RedisFixture.SHARED).prefix(redis.prefix)
                .build();
        RedisEventBus bus = backend.bus();

        backend.close();

        assertThatThrownBy(() -> bus.subscribe("t", "g", e -> { }))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> RedisEventBus.builder(backend).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        backend.close();
    }

    @Test
    void unreachableServerFailsFastNamingItWithoutThePassword() throws IOException {
        int port = freePort();
        URI url = URI.create("redis://app:" + SECRET + "@127.0.0.1:" + port + "/3");
        long started = System.nanoTime();

        assertThatThrownBy(() -> RedisBackend.connect(url))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("redis://app:****@127.0.0.1:" + port + "/3")
                .hasMessageNotContaining(SECRET);
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void refusedLoginNamesTheServerWithoutThePassword() {
        URI url = URI.create("redis://nobody-here:" + SECRET + "@127.0.0.1:6379");

        assertThatThrownBy(() -> RedisBackend.connect(url))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("redis://nobody-here:****@127.0.0.1:6379/0")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void urlPartsAreReadAndThePasswordIsMasked() {
        RedisUrl url = RedisUrl.parse(URI.create("redis://app:" + SECRET + "@cache.local/2"));
        RedisUrl alone = RedisUrl.parse(URI.create("redis://" + SECRET + "@[::1]:6380"));

        assertThat(url.host()).isEqualTo("cache.local");
        assertThat(url.port()).isEqualTo(6379);
        assertThat(url.user()).isEqualTo("app");
        assertThat(url.password()).isEqualTo(SECRET);
        assertThat(url.database()).isEqualTo(2);
        assertThat(url).hasToString("redis://app:****@cache.local:6379/2");
        assertThat(alone.user()).isNull();
        assertThat(alone.password()).isEqualTo(SECRET);
        assertThat(alone).hasToString("redis://:****@[::1]:6380/0");
        assertThat(url.redact("cannot reach redis://app:" + SECRET + "@cache.local/2"))
                .isEqualTo("cannot reach redis://app:****@cache.local/2");
        assertThat(alone.redact("from " + SECRET + "@[::1]")).isEqualTo("from :****@[::1]");
    }

    @Test
    void oneCharacterPasswordIsMaskedWithoutGarblingTheMessage() {
        URI url = URI.create("redis://nobody-here:S@127.0.0.1:6379");

        assertThatThrownBy(() -> RedisBackend.connect(url))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("redis://nobody-here:****@127.0.0.1:6379/0")
                .hasMessageContaining("WRONGPASS invalid username-password pair");
        assertThat(RedisUrl.parse(url).redact("WRONGPASS for nobody-here:S@127.0.0.1"))
                .isEqualTo("WRONGPASS for nobody-here:****@127.0.0.1");
    }

    @Test
    void malformedUrlsAreRejectedWithoutThePassword() {
        assertThatThrownBy(() -> RedisBackend.connect(URI.create("http://127.0.0.1:6379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Redis URL: scheme 'http' is not supported; use redis://host:port");
        assertThatThrownBy(() -> RedisBackend.connect(URI.create("redis:///0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host is missing");
        assertThatThrownBy(() -> RedisBackend.connect(
                URI.create("redis://:" + SECRET + "@127.0.0.1:6379/x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Redis URL 'redis://:****@127.0.0.1:6379/0': database 'x' is not "
                        + "a number");
        assertThatThrownBy(() -> RedisBackend.connect(
                URI.create("redis://:" + SECRET + "@127.0.0.1:6379?password=" + SECRET)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("query").hasMessageNotContaining(SECRET);
    }

    @Test
    void badBackendSettingsAreRejectedWithClearMessages() {
        RedisBackend.Builder builder = RedisBackend.builder(RedisFixture.SHARED);

        assertThatThrownBy(() -> builder.prefix(""))
                .hasMessage("Redis backend: prefix '' must be non-empty and without spaces");
        assertThatThrownBy(() -> builder.poolSize(0))
                .hasMessage("Redis backend: poolSize 0 must be from 1 to 1000");
        assertThatThrownBy(() -> builder.connectTimeout(Duration.ZERO))
                .hasMessage("Redis backend: connectTimeout PT0S must be from 1 millisecond to "
                        + "60 seconds");
        assertThatThrownBy(() -> builder.commandTimeout(Duration.ofMinutes(2)))
                .hasMessage("Redis backend: commandTimeout PT2M must be from 1 millisecond to "
                        + "60 seconds");
        assertThatThrownBy(() -> builder.idempotencyExpiry(Duration.ofMillis(10)))
                .hasMessage("Redis backend: idempotencyExpiry PT0.01S must be at least 1 second");
        builder.prefix("app:");
        assertThatThrownBy(() -> builder.prefix("other:"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Redis backend: prefix is already set to app:");
    }

    @Test
    void badBusSettingsAreRejectedWithClearMessages() {
        RedisEventBus.Builder builder = RedisEventBus.builder(redis.backend());

        assertThatThrownBy(() -> builder.maxLen(0))
                .hasMessage("Redis bus: maxLen 0 must be at least 1");
        assertThatThrownBy(() -> builder.claimIdle(Duration.ofNanos(5)))
                .hasMessage("Redis bus: claimIdle PT0.000000005S must be at least 1 "
                        + "millisecond");
        assertThatThrownBy(() -> builder.maxDeliveries(0))
                .hasMessage("Redis bus: maxDeliveries 0 must be at least 1");
        assertThatThrownBy(() -> builder.batchSize(1001))
                .hasMessage("Redis bus: batchSize 1001 must be from 1 to 1000");
        assertThatThrownBy(() -> builder.pollTimeout(Duration.ofMinutes(5)))
                .hasMessage("Redis bus: pollTimeout PT5M must be from 1 millisecond to 60 "
                        + "seconds");
        assertThatThrownBy(() -> builder.instanceId("web 1"))
                .hasMessage("Redis bus: instanceId 'web 1' must be non-blank and without "
                        + "spaces");
        assertThatThrownBy(() -> builder.prefix(" "))
                .hasMessage("Redis bus: prefix ' ' must be non-empty and without spaces");
        builder.claimIdle(Duration.ofSeconds(5));
        assertThatThrownBy(() -> builder.claimIdle(Duration.ofSeconds(6)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Redis bus: claimIdle is already set to PT5S");
    }

    @Test
    void busSettingsShowInItsName() throws InterruptedException {
        RedisEventBus bus = RedisFixture.bus(redis.backend()).instanceId("web-1").build();

        CountDownLatch handled = new CountDownLatch(1);
        bus.subscribe("t", "g", e -> handled.countDown());
        bus.publish("t", Event.builder("demo").build());
        assertThat(handled.await(RedisFixture.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(bus.toString()).isEqualTo("EventBus[Redis redis://127.0.0.1:6379/0, prefix '"
                + redis.prefix + "', instance 'web-1', 1 subscriptions]");
        assertThat(redis.redis.xinfoConsumers2(redis.prefix + "t", "g"))
                .extracting(consumer -> consumer.getName()).containsExactly("web-1-1");
    }
}
