package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class RetryPolicyTest {

    @Test
    void defaultsFollowGooglesAdvice() {
        RetryPolicy policy = RetryPolicy.ofDefaults();

        assertThat(policy.maxAttempts()).isEqualTo(5);
        assertThat(policy.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.ceiling(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(policy.ceiling(100)).isEqualTo(Duration.ofSeconds(64));
    }

    @Test
    void allowsAnotherAttemptOnlyWithinAttemptsAndElapsedTime() {
        RetryPolicy policy = RetryPolicy.custom().maxAttempts(3)
                .maxElapsed(Duration.ofMinutes(1)).build();

        assertThat(policy.allowsAnother(2, Duration.ZERO, Duration.ofSeconds(1))).isTrue();
        assertThat(policy.allowsAnother(3, Duration.ZERO, Duration.ofSeconds(1))).isFalse();
        assertThat(policy.allowsAnother(1, Duration.ofSeconds(50), Duration.ofSeconds(11)))
                .isFalse();
        assertThat(RetryPolicy.none().allowsAnother(1, Duration.ZERO, Duration.ZERO)).isFalse();
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> RetryPolicy.custom().maxAttempts(0))
                .hasMessageContaining("max attempts 0");
        assertThatThrownBy(() -> RetryPolicy.custom().initialBackoff(Duration.ZERO))
                .hasMessageContaining("initial backoff PT0S must be positive");
        assertThatThrownBy(() -> RetryPolicy.custom().initialBackoff(Duration.ofMinutes(2))
                .maxBackoff(Duration.ofMinutes(1)).build())
                .hasMessageContaining("longer than max backoff");
        assertThatThrownBy(() -> RetryPolicy.custom().maxBackoff(Duration.ofDays(400)))
                .hasMessageContaining("at most PT24H");
        assertThatThrownBy(() -> RetryPolicy.custom().maxElapsed(Duration.ofDays(400)))
                .hasMessageContaining("at most PT8760H");
        assertThatThrownBy(() -> RetryPolicy.ofDefaults().backoff(0, null, () -> 0.5))
                .hasMessageContaining("failed attempts 0");
    }
}
