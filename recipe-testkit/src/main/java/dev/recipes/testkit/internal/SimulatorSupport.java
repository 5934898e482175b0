package dev.recipes.testkit.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/** What the webhook simulators' request builders share: checks, tampering, JSON writing. */
public final class SimulatorSupport {

    /** Headers {@code java.net.http} refuses to let a caller set. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("connection", "content-length",
            "expect", "host", "upgrade");

    /** Writes UTF-8 as it is, emoji included, as a multi-byte test of signing needs. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private SimulatorSupport() {
    }

    /**
     * Returns a value for a setting that may be set once.
     *
     * @param subject what the message starts with, such as {@code slack request}
     * @param current the value so far, or null
     * @param value the new value
     * @param what the setting, for the message
     * @param <T> the value's type
     * @return the new value
     * @throws IllegalStateException if the setting has a value already
     */
    public static <T> T setOnce(String subject, T current, T value, String what) {
        if (current != null) {
            throw new IllegalStateException(subject + ": " + what + " already set to "
                    + (current instanceof UnaryOperator ? "another change" : current));
        }
        return value;
    }

    /**
     * Checks that a value is not blank.
     *
     * @param subject what the message starts with
     * @param value the value
     * @param what its name, for the message
     * @return the value
     * @throws IllegalArgumentException if it is blank
     */
    public static String requireText(String subject, String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(subject + ": " + what + " is blank");
        }
        return value;
    }

    /**
     * Checks a header name a test wants to set, as the JDK's HTTP client would refuse it.
     *
     * @param subject what the message starts with
     * @param name the name
     * @return the name
     * @throws IllegalArgumentException if it is not an HTTP token, or the client sets it itself
     */
    public static String requireSettableHeader(String subject, String name) {
        HeaderChecks.requireName(subject, name);
        if (RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(subject + ": header '" + name + "' cannot be "
                    + "set; the HTTP client sends its own, so it would differ over HTTP");
        }
        return name;
    }

    /**
     * Puts the headers a test set over the simulator's, replacing a header of the same name in
     * any case, so that the request carries the name as the test spelled it.
     *
     * @param headers the simulator's headers, in a case-insensitive map; changed
     * @param overrides the test's headers
     */
    public static void override(Map<String, String> headers, Map<String, String> overrides) {
        overrides.forEach((name, value) -> {
            headers.remove(name);
            headers.put(name, value);
        });
    }

    /**
     * Returns the change that adds one space to the end of a body: JSON means the same, the
     * bytes differ, so a signature made before must fail.
     *
     * @return the change
     */
    public static UnaryOperator<byte[]> appendSpace() {
        return body -> {
            byte[] changed = Arrays.copyOf(body, body.length + 1);
            changed[body.length] = ' ';
            return changed;
        };
    }

    /**
     * Applies a change to a signed body.
     *
     * @param subject what the message starts with
     * @param change the change, or null for none
     * @param signed the signed body; not changed
     * @return the body to send
     * @throws NullPointerException if the change returns null
     */
    public static byte[] tamper(String subject, UnaryOperator<byte[]> change, byte[] signed) {
        if (change == null) {
            return signed;
        }
        return Objects.requireNonNull(change.apply(signed.clone()), subject + ": the change "
                + "given to tamperAfterSigning returned null instead of the body to send");
    }

    /**
     * Writes a payload as compact UTF-8 JSON.
     *
     * @param subject what the message starts with
     * @param payload the payload
     * @return the bytes
     */
    public static byte[] toBytes(String subject, JsonNode payload) {
        try {
            return MAPPER.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(subject + ": payload cannot be written as JSON", e);
        }
    }
}
