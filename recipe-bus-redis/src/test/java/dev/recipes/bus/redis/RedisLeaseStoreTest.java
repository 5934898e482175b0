package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class RedisLeaseStoreTest {

    private static final Duration LONG = Duration.ofMinutes(1);

    private final RedisFixture redis = new RedisFixture();
    private final RedisLeaseStore leases = redis.backend().leases();

    @AfterEach
    void close() throws Exception {
        redis.close();
    }

    @Test
    void holderGetsTheLeaseAndOthersDoNot() {
        assertThat(leases.acquire("poll", "a", LONG)).isTrue();

        assertThat(leases.acquire("poll", "b", LONG)).isFalse();
        assertThat(redis.redis.get(redis.prefix + "lease:poll")).isEqualTo("a");
    }

    @Test
    void holderRenewsItsLease() {
        leases.acquire("poll", "a", Duration.ofSeconds(5));

        assertThat(leases.acquire("poll", "a", LONG)).isTrue();

        assertThat(redis.redis.pttl(redis.prefix + "lease:poll"))
                .isGreaterThan(Duration.ofSeconds(5).toMillis());
    }

    @Test
    void anotherHolderTakesTheLeaseOnceItExpired() {
        leases.acquire("poll", "a", Duration.ofMillis(100));

        await("b got the lease", () -> leases.acquire("poll", "b", LONG));

        assertThat(leases.acquire("poll", "a", LONG)).isFalse();
    }

    @Test
    void onlyTheHolderReleases() {
        leases.acquire("poll", "a", LONG);

        leases.release("poll", "b");
        assertThat(leases.acquire("poll", "b", LONG)).isFalse();

        leases.release("poll", "a");
        assertThat(leases.acquire("poll", "b", LONG)).isTrue();
    }

    @Test
    void ttlShorterThanAMillisecondIsRejected() {
        assertThatThrownBy(() -> leases.acquire("poll", "a", Duration.ofNanos(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'poll'").hasMessageContaining("PT0.00000001S");
    }
}
