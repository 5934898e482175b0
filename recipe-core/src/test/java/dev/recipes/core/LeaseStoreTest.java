package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The in-memory lease store: one holder at a time, renewal, expiry and release. */
final class LeaseStoreTest {

    private static final Duration TTL = Duration.ofSeconds(30);

    private final MutableClockFixture clock =
            new MutableClockFixture(Instant.parse("2026-05-01T10:00:00Z"));
    private final LeaseStore leases = LeaseStore.inMemory(clock);

    @Test
    void oneHolderAtATimeUntilTheLeaseRunsOut() {
        assertThat(leases.acquire("poll:inbox", "a", TTL)).isTrue();
        assertThat(leases.acquire("poll:inbox", "b", TTL)).isFalse();
        assertThat(leases.acquire("poll:other", "b", TTL)).as("another lease").isTrue();

        clock.advance(TTL);

        assertThat(leases.acquire("poll:inbox", "b", TTL)).as("after it ran out").isTrue();
        assertThat(leases.acquire("poll:inbox", "a", TTL)).isFalse();
    }

    @Test
    void theHolderRenewsItsLease() {
        leases.acquire("poll:inbox", "a", TTL);
        clock.advance(Duration.ofSeconds(20));

        assertThat(leases.acquire("poll:inbox", "a", TTL)).isTrue();
        clock.advance(Duration.ofSeconds(20));

        assertThat(leases.acquire("poll:inbox", "b", TTL)).as("renewed at 20 s").isFalse();
    }

    @Test
    void onlyTheHolderReleases() {
        leases.acquire("poll:inbox", "a", TTL);

        leases.release("poll:inbox", "b");
        assertThat(leases.acquire("poll:inbox", "b", TTL)).isFalse();

        leases.release("poll:inbox", "a");
        assertThat(leases.acquire("poll:inbox", "b", TTL)).isTrue();
    }

    @Test
    void refusesMissingNamesHoldersAndTtlsThatAreNotPositive() {
        assertThatThrownBy(() -> leases.acquire("x", "a", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease 'x'").hasMessageContaining("must be positive");
        assertThatThrownBy(() -> leases.acquire("x", "a", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> leases.acquire("x", "a", null))
                .isInstanceOf(NullPointerException.class).hasMessage("ttl");
        assertThatThrownBy(() -> leases.acquire(null, "a", TTL))
                .isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> leases.acquire("x", null, TTL))
                .isInstanceOf(NullPointerException.class).hasMessage("holder");
    }
}
