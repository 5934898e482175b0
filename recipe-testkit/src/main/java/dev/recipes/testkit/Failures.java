package dev.recipes.testkit;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Makes the errors the testkit's assertions throw: an {@code AssertionFailedError} of
 * opentest4j when it is on the class path (IDEs then show expected and actual side by side),
 * else a plain {@link AssertionError}.
 */
final class Failures {

    private static final boolean OPENTEST4J = present("org.opentest4j.AssertionFailedError");
    private static final Set<Throwable> OURS =
            Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private Failures() {
    }

    /** An assertion error with a message. */
    static AssertionError fail(String message) {
        return remember(OPENTEST4J ? OpenTest4j.error(message) : new AssertionError(message));
    }

    /** An assertion error with a message and the expected and actual values, as shown. */
    static AssertionError fail(String message, String expected, String actual) {
        return remember(OPENTEST4J ? OpenTest4j.error(message, expected, actual)
                : new AssertionError(message));
    }

    /** Tells whether the testkit made this error, so its message already says what was seen. */
    static boolean isOurs(Throwable error) {
        return OURS.contains(error);
    }

    private static AssertionError remember(AssertionError error) {
        OURS.add(error);
        return error;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Failures.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when opentest4j is there. */
    private static final class OpenTest4j {

        static AssertionError error(String message) {
            return new org.opentest4j.AssertionFailedError(message);
        }

        static AssertionError error(String message, String expected, String actual) {
            return new org.opentest4j.AssertionFailedError(message, expected, actual);
        }
    }
}
