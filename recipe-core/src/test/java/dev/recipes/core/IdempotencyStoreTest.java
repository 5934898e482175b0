package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class IdempotencyStoreTest {

    private final MutableClockFixture clock = new MutableClockFixture(Instant.EPOCH);
    private final IdempotencyStore store =
            IdempotencyStore.inMemory(2, Duration.ofMinutes(10), clock);

    @Test
    void claimsAKeyOnce() {
        assertThat(store.claim("a")).isTrue();
        assertThat(store.claim("a")).isFalse();
    }

    @Test
    void releasedKeyCanBeClaimedAgain() {
        store.claim("a");

        store.release("a");

        assertThat(store.claim("a")).isTrue();
    }

    @Test
    void forgetsKeysAfterTheirExpiry() {
        store.claim("a");

        clock.advance(Duration.ofMinutes(10));

        assertThat(store.claim("a")).isTrue();
    }

    @Test
    void evictsTheOldestKeyWhenFull() {
        store.claim("a");
        store.claim("b");

        store.claim("c");

        assertThat(store.claim("b")).isFalse();
        assertThat(store.claim("a")).isTrue();
    }

    @Test
    void keepsExactlyTheNewestKeysWhenManyMoreCome() {
        IdempotencyStore big = IdempotencyStore.inMemory(1_000, Duration.ofMinutes(10), clock);
        for (int i = 0; i < 10_000; i++) {
            assertThat(big.claim("key-" + i)).isTrue();
        }

        for (int i = 9_000; i < 10_000; i++) {
            assertThat(big.claim("key-" + i)).as("key-" + i).isFalse();
        }
        assertThat(big.claim("key-8999")).isTrue();
    }

    @Test
    void releasedKeysLeaveRoomForOthers() {
        IdempotencyStore three = IdempotencyStore.inMemory(3, Duration.ofMinutes(10), clock);
        three.claim("a");
        three.claim("b");
        three.claim("c");

        three.release("b");
        three.claim("d");

        assertThat(three.claim("a")).isFalse();
        assertThat(three.claim("c")).isFalse();
        assertThat(three.claim("d")).isFalse();
        assertThat(three.claim("b")).isTrue();
    }

    @Test
    void keysClaimedAndReleasedOverAndOverEvictNothing() {
        store.claim("a");

        for (int i = 0; i < 10_000; i++) {
            assertThat(store.claim("passing-" + i)).isTrue();
            store.release("passing-" + i);
        }

        assertThat(store.claim("a")).isFalse();
        assertThat(store.claim("b")).isTrue();
    }

    @Test
    void forgetsOnlyTheKeysWhoseExpiryPassed() {
        store.claim("a");
        clock.advance(Duration.ofMinutes(5));
        store.claim("b");

        clock.advance(Duration.ofMinutes(5));

        assertThat(store.claim("b")).isFalse();
        assertThat(store.claim("a")).isTrue();
    }

    @Test
    void keysWhoseStringHashesCollideAreEachClaimedOnce() {
        // Every key of "Aa" and "BB" pairs, twelve pairs long, has the same String.hashCode.
        List<String> keys = new ArrayList<>(List.of(""));
        for (int pair = 0; pair < 12; pair++) {
            List<String> longer = new ArrayList<>();
            for (String key : keys) {
                longer.add(key + "Aa");
                longer.add(key + "BB");
            }
            keys = longer;
        }
        assertThat(keys.stream().map(String::hashCode).distinct()).hasSize(1);
        IdempotencyStore store = IdempotencyStore.inMemory(10_000, Duration.ofHours(1), clock);

        assertThat(keys).allSatisfy(key -> assertThat(store.claim(key)).isTrue());
        assertThat(keys).allSatisfy(key -> assertThat(store.claim(key)).isFalse());
        keys.subList(0, 100).forEach(store::release);
        assertThat(keys.subList(0, 100)).allSatisfy(key -> assertThat(store.claim(key)).isTrue());
    }

    @Test
    void refusesNonsenseLimits() {
        assertThatThrownBy(() -> IdempotencyStore.inMemory(0, Duration.ofMinutes(1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> IdempotencyStore.inMemory(1, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }
}
