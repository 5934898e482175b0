package dev.recipes.core.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/** Checks the names the engine builds topics and keys from: services, actions, connections. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    private Names() {
    }

    /**
     * Checks a name.
     *
     * @param value the name
     * @param what what it names, for the message, such as {@code service}
     * @return the name
     * @throws IllegalArgumentException if it is not 1 to 100 lowercase letters, digits, '.', '_'
     *     or '-', starting with a letter or digit
     */
    public static String require(String value, String what) {
        Objects.requireNonNull(value, what);
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value
                    + "' must be 1 to 100 lowercase letters, digits, '.', '_' or '-'");
        }
        return value;
    }
}
