package dev.recipes.webhooks;

import dev.recipes.core.RecipeException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Reads the shapes of value the services' configuration keys take. */
final class ConfigValues {

    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    private ConfigValues() {
    }

    /**
     * Splits a list given as one value.
     *
     * @param value entries separated by commas or whitespace
     * @return the entries, without empty ones
     */
    static List<String> list(String value) {
        return Arrays.stream(SEPARATORS.split(value.strip())).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Reads a duration: whole seconds, or ISO-8601 such as {@code PT30S}.
     *
     * @param key the full key, for the message
     * @param value the value
     * @param min the shortest duration accepted, positive
     * @param max the longest duration accepted
     * @return the duration, from {@code min} to {@code max}
     * @throws RecipeException if the value is not such a duration
     */
    static Duration duration(String key, String value, Duration min, Duration max) {
        Duration duration;
        try {
            String text = value.strip();
            duration = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')
                    ? Duration.ofSeconds(Long.parseLong(text)) : Duration.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            duration = null;
        }
        if (duration == null || duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            throw new RecipeException("config '" + key + "': '" + value + "' is not a duration "
                    + "from " + min + " to " + max + ", such as '30' (seconds) or 'PT30S'");
        }
        return duration;
    }

    /**
     * Reads a whole number of bytes.
     *
     * @param key the full key, for the message
     * @param value the value
     * @param max the largest number accepted
     * @return the number, from 0 to {@code max}
     * @throws RecipeException if the value is not such a number
     */
    static int bytes(String key, String value, int max) {
        String text = value.strip();
        if (!text.isEmpty() && text.length() <= 10 && text.chars().allMatch(c -> c >= '0'
                && c <= '9') && Long.parseLong(text) <= max) {
            return Integer.parseInt(text);
        }
        throw new RecipeException("config '" + key + "': '" + value + "' is not a number of "
                + "bytes from 0 to " + max);
    }
}
