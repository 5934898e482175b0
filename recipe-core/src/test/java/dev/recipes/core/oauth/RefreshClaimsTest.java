package dev.recipes.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Refresh claims: held for one claim's length from first sight, whatever instant they name. */
final class RefreshClaimsTest {

    private Instant now = Instant.parse("2026-12-04T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    };
    private final RefreshClaims claims = new RefreshClaims("claim", clock, Duration.ofSeconds(30));
    private final Connection plain = Connection.builder("slack", "t1").setting("a", "b")
            .secret("bot-token", "xoxb-1").build();

    private Connection claimedAs(String value) {
        return Connection.builder("slack", "t1").setting("a", "b").setting("claim", value)
                .secret("bot-token", "xoxb-1").build();
    }

    @Test
    void aConnectionWithoutAClaimIsFree() {
        assertThat(claims.held(plain)).isFalse();
    }

    @Test
    void aClaimHoldsForItsLengthFromWhenItWasFirstSeen() {
        Connection claimed = claims.claim(plain, "engine-a");

        assertThat(claimed.setting("claim")).contains("engine-a 2026-12-04T10:00:30Z");
        assertThat(claims.held(claimed)).isTrue();
        now = now.plusSeconds(29);
        assertThat(claims.held(claimed)).isTrue();
        now = now.plusSeconds(1);
        assertThat(claims.held(claimed)).isFalse();
    }

    @Test
    void aClaimNamingAPastInstantStillHoldsWhenFirstSeen() {
        Connection behind = claimedAs("engine-b 2026-12-04T09:00:00Z");

        assertThat(claims.held(behind)).isTrue();
        now = now.plusSeconds(30);
        assertThat(claims.held(behind)).isFalse();
    }

    @Test
    void aClaimNamingAFarFutureInstantHoldsOneLengthOnly() {
        Connection ahead = claimedAs("engine-c 2027-01-01T00:00:00Z");

        assertThat(claims.held(ahead)).isTrue();
        now = now.plusSeconds(30);
        assertThat(claims.held(ahead)).isFalse();
    }

    @Test
    void aNewClaimStartsItsOwnLength() {
        assertThat(claims.held(claimedAs("engine-b x"))).isTrue();
        now = now.plusSeconds(25);
        Connection next = claimedAs("engine-c y");

        assertThat(claims.held(next)).isTrue();
        now = now.plusSeconds(25);
        assertThat(claims.held(next)).isTrue();
    }

    @Test
    void releaseDropsTheClaimOnly() {
        Connection released = claims.release(claims.claim(plain, "engine-a"));

        assertThat(released).isEqualTo(plain);
        assertThat(claims.release(plain)).isSameAs(plain);
    }

    @Test
    void theLengthMustBePositive() {
        assertThatThrownBy(() -> new RefreshClaims("claim", clock, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
