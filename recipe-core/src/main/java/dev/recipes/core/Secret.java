package dev.recipes.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret value such as a signing secret, a token or a private key. Its {@link #toString()}
 * never shows the value, so a secret can sit in records and log lines safely.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * Wraps a secret value.
     *
     * @param value the secret, not empty
     * @return the secret
     * @throws IllegalArgumentException if the value is empty
     */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("secret: value is empty");
        }
        return new Secret(value);
    }

    /**
     * Returns the secret value itself; call it only where the value is used.
     *
     * @return the value
     */
    public String reveal() {
        return value;
    }

    /**
     * Returns the value as UTF-8 bytes, for use as a key.
     *
     * @return a fresh array
     */
    public byte[] bytes() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** Compares values in constant time. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret
                && MessageDigest.isEqual(bytes(), secret.bytes());
    }

    @Override
    public int hashCode() {
        return 0; // equal secrets must hash alike; a constant leaks nothing about the value
    }

    @Override
    public String toString() {
        return "Secret[****]";
    }
}
