package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

final class RetryPolicyProperties {

    private final RetryPolicy policy = RetryPolicy.custom()
            .maxAttempts(20)
            .initialBackoff(Duration.ofMillis(250))
            .maxBackoff(Duration.ofSeconds(32))
            .build();

    @Property
    void backoffIsNeverAboveTheCapWithoutRetryAfter(
            @ForAll @IntRange(min = 1, max = 1_000) int failures,
            @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double random) {
        Duration backoff = policy.backoff(failures, null, () -> random);

        assertThat(backoff).isBetween(Duration.ZERO, policy.ceiling(failures));
        assertThat(policy.ceiling(failures)).isLessThanOrEqualTo(Duration.ofSeconds(32));
    }

    @Property
    void backoffIsNeverBelowRetryAfter(
            @ForAll @IntRange(min = 1, max = 1_000) int failures,
            @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double random,
            @ForAll @LongRange(min = 0, max = 600_000) long retryAfterMillis) {
        Duration retryAfter = Duration.ofMillis(retryAfterMillis);

        Duration backoff = policy.backoff(failures, retryAfter, () -> random);

        assertThat(backoff).isGreaterThanOrEqualTo(retryAfter);
        assertThat(backoff).isLessThanOrEqualTo(
                retryAfter.compareTo(policy.ceiling(failures)) > 0
                        ? retryAfter : policy.ceiling(failures));
    }

    @Property
    void ceilingDoublesUntilTheCap(@ForAll @IntRange(min = 1, max = 60) int failures) {
        Duration ceiling = policy.ceiling(failures);
        Duration next = policy.ceiling(failures + 1);

        assertThat(next).isEqualTo(ceiling.multipliedBy(2).compareTo(Duration.ofSeconds(32)) > 0
                ? Duration.ofSeconds(32) : ceiling.multipliedBy(2));
    }
}
