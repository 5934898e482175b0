package dev.recipes.testkit.internal;

import java.util.Objects;

/**
 * Checks HTTP header names and values as the JDK's HTTP client and server would refuse them,
 * so that a fake or a simulator refuses them when they are given, with a clear message.
 */
public final class HeaderChecks {

    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

    private HeaderChecks() {
    }

    /**
     * Checks a header name.
     *
     * @param subject what the message starts with, such as {@code slack request}
     * @param name the name
     * @return the name
     * @throws IllegalArgumentException if it is not an HTTP token
     */
    public static String requireName(String subject, String name) {
        Objects.requireNonNull(name, () -> subject + ": a header name is null");
        boolean token = !name.isEmpty() && name.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0));
        if (!token) {
            throw new IllegalArgumentException(subject + ": header name '" + escape(name)
                    + "' is not an HTTP token (letters, digits and " + TOKEN_SYMBOLS + ")");
        }
        return name;
    }

    /**
     * Checks a header value.
     *
     * @param subject what the message starts with
     * @param name the header's name, for the message
     * @param value the value
     * @return the value
     * @throws IllegalArgumentException if it holds a control character other than a tab, or a
     *     character outside ISO-8859-1; the message shows where
     */
    public static String requireValue(String subject, String name, String value) {
        Objects.requireNonNull(value, () -> subject + ": header '" + name + "' has a null value");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < ' ' || c == 0x7f || c > 0xff)) {
                throw new IllegalArgumentException(subject + ": header '" + name + "' value '"
                        + escape(value) + "' holds a control character or one outside "
                        + "ISO-8859-1 at index " + i);
            }
        }
        return value;
    }

    /**
     * Shows control characters as escapes, so that a message stays on one line.
     *
     * @param text any text
     * @return the text with CR, LF, tab and other control characters escaped
     */
    public static String escape(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        text.chars().forEach(c -> shown.append(switch (c) {
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            default -> Character.isISOControl(c) ? String.format("\\u%04x", c)
                    : String.valueOf((char) c);
        }));
        return shown.toString();
    }
}
