package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
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
    void refusesNonsenseLimits() {
        assertThatThrownBy(() -> IdempotencyStore.inMemory(0, Duration.ofMinutes(1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> IdempotencyStore.inMemory(1, Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }
}
