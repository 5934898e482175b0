package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.IdempotencyStore.Claim;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.params.SetParams;

final class RedisIdempotencyStoreTest {

    private static final Duration SHORT = Duration.ofMillis(200);

    private final RedisFixture redis = new RedisFixture();
    private final RedisIdempotencyStore store = redis.backend().idempotency();

    @AfterEach
    void close() throws Exception {
        redis.close();
    }

    @Test
    void claimSucceedsOnceUntilReleased() {
        assertThat(store.claim("k")).isTrue();
        assertThat(store.claim("k")).isFalse();

        store.release("k");

        assertThat(store.claim("k")).isTrue();
    }

    @Test
    void claimedKeyExpiresAfterTheStoresExpiry() {
        store.claim("k");

        assertThat(redis.redis.pttl(redis.prefix + "idem:k"))
                .isBetween(Duration.ofHours(23).toMillis(), Duration.ofHours(24).toMillis());
    }

    @Test
    void beginHoldsTheKeyAndCompleteFinishesIt() {
        assertThat(store.begin("k", Duration.ofMinutes(1))).isEqualTo(Claim.NEW);
        assertThat(store.begin("k", Duration.ofMinutes(1))).isEqualTo(Claim.HELD);

        store.complete("k");

        assertThat(store.begin("k", Duration.ofMinutes(1))).isEqualTo(Claim.DONE);
        assertThat(redis.redis.get(redis.prefix + "idem:k")).isEqualTo("done");
        assertThat(store.claim("k")).isFalse();
    }

    @Test
    void keyWhoseLeaseRanOutIsTakenOverOnceThenHeldAgain() {
        assertThat(store.begin("k", SHORT)).isEqualTo(Claim.NEW);

        await("the lease ran out", () -> store.begin("k", Duration.ofMinutes(1)) != Claim.HELD);

        assertThat(store.begin("k", Duration.ofMinutes(1))).isEqualTo(Claim.HELD);
        store.complete("k");
        assertThat(store.begin("k", SHORT)).isEqualTo(Claim.DONE);
    }

    @Test
    void takeOverIsAnsweredToOneCallerOnly() {
        store.begin("k", SHORT);
        await("the lease ran out", () -> redis.redis.pttl(redis.prefix + "idem:k") > 0
                && leaseEnded(redis.redis.get(redis.prefix + "idem:k")));

        Claim first = store.begin("k", Duration.ofMinutes(1));
        Claim second = store.begin("k", Duration.ofMinutes(1));

        assertThat(first).isEqualTo(Claim.TAKEN_OVER);
        assertThat(second).isEqualTo(Claim.HELD);
    }

    // The value is held:<until>:<token>:<answer>.
    private boolean leaseEnded(String held) {
        return Long.parseLong(held.split(":")[1]) < serverMillis();
    }

    private long serverMillis() {
        List<String> clock = redis.redis.time();
        return Long.parseLong(clock.get(0)) * 1000 + Long.parseLong(clock.get(1)) / 1000;
    }

    @Test
    void heldValueWithoutATokenIsHeldBySomeoneElse() {
        String stored = redis.prefix + "idem:k";
        SetParams minute = SetParams.setParams().px(60_000);
        redis.redis.set(stored, "held:" + (serverMillis() + 60_000), minute);

        assertThat(store.begin("k", SHORT)).isEqualTo(Claim.HELD);

        redis.redis.set(stored, "held:" + (serverMillis() - 1), minute);
        assertThat(store.begin("k", SHORT)).isEqualTo(Claim.TAKEN_OVER);
        assertThat(redis.redis.get(stored)).startsWith("held:").endsWith(":TAKEN_OVER");
    }

    @Test
    void claimedKeyCountsAsDoneForBegin() {
        store.claim("k");

        assertThat(store.begin("k", SHORT)).isEqualTo(Claim.DONE);
    }

    @Test
    void nonPositiveLeaseIsRejected() {
        assertThatThrownBy(() -> store.begin("k", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'k'").hasMessageContaining("PT0S");
    }

    @Test
    void keysLiveUnderThePrefix() {
        store.claim("a:b");

        assertThat(redis.redis.exists(redis.prefix + "idem:a:b")).isTrue();
        assertThat(store.toString()).contains(redis.prefix + "idem:");
    }
}
