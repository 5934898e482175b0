package dev.recipes.core;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * When a failed action is tried again: exponential backoff with full jitter, a maximum number of
 * attempts and a maximum time from the first attempt. A provider's {@code Retry-After} is
 * honoured when it asks for longer than the backoff would wait.
 *
 * <p>The backoff before attempt {@code n + 1} is a random duration between zero and
 * {@code min(maxBackoff, initialBackoff * 2^(n-1))} ("full jitter"), so that many failed
 * requests do not come back at the same moment. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.custom()
 *         .maxAttempts(8)
 *         .initialBackoff(Duration.ofMillis(500))
 *         .maxBackoff(Duration.ofSeconds(32))
 *         .maxElapsed(Duration.ofMinutes(10))
 *         .build();
 * }</pre>
 */
public final class RetryPolicy {

    private static final Duration MAX_BACKOFF = Duration.ofDays(1);
    private static final Duration MAX_ELAPSED = Duration.ofDays(365);
    private static final RetryPolicy DEFAULTS = custom().build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxElapsed;

    private RetryPolicy(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.initialBackoff = builder.initialBackoff;
        this.maxBackoff = builder.maxBackoff;
        this.maxElapsed = builder.maxElapsed;
    }

    /**
     * Returns the default policy: 5 attempts, backoff from 1 second up to 64 seconds (as Google
     * recommends), at most 15 minutes from the first attempt.
     *
     * @return the default policy
     */
    public static RetryPolicy ofDefaults() {
        return DEFAULTS;
    }

    /**
     * Returns a policy that never retries: the first failure is the last.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return custom().maxAttempts(1).build();
    }

    /**
     * Starts a policy from the defaults.
     *
     * @return a builder
     */
    public static Builder custom() {
        return new Builder();
    }

    /**
     * Returns how many attempts an action gets in all, the first included.
     *
     * @return at least 1
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Returns the longest time from the first attempt to the start of the last one.
     *
     * @return a positive duration
     */
    public Duration maxElapsed() {
        return maxElapsed;
    }

    /**
     * Returns how long to wait before the next attempt.
     *
     * @param failedAttempts how many attempts have failed so far, at least 1
     * @param retryAfter how long the provider asked to wait, or {@code null}
     * @param random a source of numbers in {@code [0, 1)}
     * @return the full-jitter backoff, or {@code retryAfter} if that is longer
     * @throws IllegalArgumentException if {@code failedAttempts} is below 1
     */
    public Duration backoff(int failedAttempts, Duration retryAfter, DoubleSupplier random) {
        if (failedAttempts < 1) {
            throw new IllegalArgumentException("retry policy: failed attempts " + failedAttempts
                    + " must be at least 1");
        }
        Duration ceiling = ceiling(failedAttempts);
        long jittered = (long) (ceiling.toNanos() * Math.min(Math.max(random.getAsDouble(), 0),
                1));
        Duration backoff = Duration.ofNanos(jittered);
        return retryAfter != null && retryAfter.compareTo(backoff) > 0 ? retryAfter : backoff;
    }

    /**
     * Returns the most the backoff after {@code failedAttempts} failures can be, before any
     * {@code Retry-After}.
     *
     * @param failedAttempts how many attempts have failed, at least 1
     * @return {@code min(maxBackoff, initialBackoff * 2^(failedAttempts - 1))}
     */
    public Duration ceiling(int failedAttempts) {
        int doublings = Math.min(failedAttempts - 1, 62);
        long nanos = initialBackoff.toNanos();
        long cap = maxBackoff.toNanos();
        for (int i = 0; i < doublings && nanos < cap; i++) {
            nanos = nanos > cap / 2 ? cap : nanos * 2;
        }
        return Duration.ofNanos(Math.min(nanos, cap));
    }

    /**
     * Tells whether another attempt is allowed.
     *
     * @param failedAttempts how many attempts have failed so far
     * @param elapsed the time since the first attempt started
     * @param nextDelay how long the next attempt would wait
     * @return {@code true} if an attempt is left and it would start within the maximum elapsed
     *     time
     */
    public boolean allowsAnother(int failedAttempts, Duration elapsed, Duration nextDelay) {
        return failedAttempts < maxAttempts
                && elapsed.plus(nextDelay).compareTo(maxElapsed) <= 0;
    }

    @Override
    public String toString() {
        return "RetryPolicy[" + maxAttempts + " attempts, backoff " + initialBackoff + " to "
                + maxBackoff + ", within " + maxElapsed + "]";
    }

    /** Builds a {@link RetryPolicy}; each setting is checked when it is set. */
    public static final class Builder {

        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(64);
        private Duration maxElapsed = Duration.ofMinutes(15);

        private Builder() {
        }

        /**
         * Sets how many attempts an action gets in all; 5 by default.
         *
         * @param maxAttempts at least 1
         * @return this builder
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry policy: max attempts " + maxAttempts
                        + " must be at least 1");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Sets the backoff ceiling after the first failure; 1 second by default.
         *
         * @param initialBackoff positive, at most a day
         * @return this builder
         */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = within(initialBackoff, "initial backoff", MAX_BACKOFF);
            return this;
        }

        /**
         * Sets the largest backoff; 64 seconds by default.
         *
         * @param maxBackoff positive, at most a day
         * @return this builder
         */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = within(maxBackoff, "max backoff", MAX_BACKOFF);
            return this;
        }

        /**
         * Sets the longest time from the first attempt to the start of the last; 15 minutes by
         * default.
         *
         * @param maxElapsed positive, at most a year
         * @return this builder
         */
        public Builder maxElapsed(Duration maxElapsed) {
            this.maxElapsed = within(maxElapsed, "max elapsed", MAX_ELAPSED);
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalStateException if the initial backoff is longer than the maximum
         */
        public RetryPolicy build() {
            if (initialBackoff.compareTo(maxBackoff) > 0) {
                throw new IllegalStateException("retry policy: initial backoff " + initialBackoff
                        + " is longer than max backoff " + maxBackoff);
            }
            return new RetryPolicy(this);
        }

        private static Duration within(Duration value, String what, Duration limit) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero() || value.compareTo(limit) > 0) {
                throw new IllegalArgumentException("retry policy: " + what + " " + value
                        + " must be positive and at most " + limit);
            }
            return value;
        }
    }
}
