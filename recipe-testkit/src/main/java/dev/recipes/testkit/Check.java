package dev.recipes.testkit;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the testkit's assertions share: the snapshot of what the engine saw, which their
 * failure messages end with.
 */
abstract class Check {

    private final Seen seen;

    Check(Seen seen) {
        this.seen = Objects.requireNonNull(seen, "seen");
    }

    Seen seen() {
        return seen;
    }

    /** A failure: the message, a blank line, then what the engine saw. */
    AssertionError failure(String message) {
        return Failures.fail(message + "\n\n" + seen.describe());
    }

    /** A failure with the expected and actual values, for IDEs to compare. */
    AssertionError failure(String message, String expected, String actual) {
        return Failures.fail(message + "\n\n" + seen.describe(), expected, actual);
    }

    /** Shows how many items there were and each of them, for a failure message. */
    static <T> String items(List<T> items, Function<T, String> show) {
        return items.isEmpty() ? "none" : items.size() + ":" + Compact.list(items, show);
    }

    static int requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " is negative");
        }
        return count;
    }
}
