package dev.recipes.store.jdbc;

import dev.recipes.core.Secret;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys that encrypt connection secrets: one current key that encrypts every new
 * value, and older keys kept only to decrypt values written before a rotation. Each stored
 * value names the id of its key.
 *
 * <p>Keys are given as {@link Secret}s holding the base64 of 32 random bytes, for example from
 * {@code openssl rand -base64 32}. {@link #toString()} shows the key ids, never a key.
 * Instances are immutable and thread-safe.
 */
public final class KeyRing {

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int KEY_BYTES = 32;

    private final String currentId;
    private final Map<String, SecretKey> keys;

    private KeyRing(String currentId, Map<String, SecretKey> keys) {
        this.currentId = currentId;
        this.keys = Collections.unmodifiableMap(new TreeMap<>(keys));
    }

    /**
     * Returns a key ring with a single key, which is current.
     *
     * @param id the key's id, 1 to 64 letters, digits, '.', '_' or '-'
     * @param key the base64 of 32 bytes
     * @return the key ring
     * @throws IllegalArgumentException if the id or the key is malformed
     */
    public static KeyRing of(String id, Secret key) {
        return builder().current(id, key).build();
    }

    /**
     * Starts a key ring.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the id of the key that encrypts new values.
     *
     * @return the current key id
     */
    public String currentId() {
        return currentId;
    }

    SecretKey current() {
        return keys.get(currentId);
    }

    Optional<SecretKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    @Override
    public String toString() {
        return "KeyRing[current=" + currentId + ", ids=" + keys.keySet() + "]";
    }

    /** Builds a {@link KeyRing}; each setting is checked when it is set. */
    public static final class Builder {

        private String currentId;
        private final Map<String, SecretKey> keys = new TreeMap<>();

        private Builder() {
        }

        /**
         * Sets the key that encrypts new values.
         *
         * @param id the key's id, 1 to 64 letters, digits, '.', '_' or '-'
         * @param key the base64 of 32 bytes
         * @return this builder
         * @throws IllegalArgumentException if the id or key is malformed, or a current key is
         *     already set
         */
        public Builder current(String id, Secret key) {
            if (currentId != null) {
                throw new IllegalArgumentException("key ring: current key is already '"
                        + currentId + "'; add '" + id + "' as an older key instead");
            }
            add(id, key);
            currentId = id;
            return this;
        }

        /**
         * Adds an older key, used only to decrypt values written before it was rotated out.
         *
         * @param id the key's id, 1 to 64 letters, digits, '.', '_' or '-'
         * @param key the base64 of 32 bytes
         * @return this builder
         * @throws IllegalArgumentException if the id or key is malformed, or the id is taken
         */
        public Builder older(String id, Secret key) {
            add(id, key);
            return this;
        }

        /**
         * Builds the key ring.
         *
         * @return the key ring
         * @throws IllegalStateException if no current key was set
         */
        public KeyRing build() {
            if (currentId == null) {
                throw new IllegalStateException("key ring: no current key; call current(id, key)");
            }
            return new KeyRing(currentId, keys);
        }

        private void add(String id, Secret key) {
            Objects.requireNonNull(id, "key id");
            Objects.requireNonNull(key, "key '" + id + "'");
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("key ring: key id '" + id
                        + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
            }
            if (keys.containsKey(id)) {
                throw new IllegalArgumentException("key ring: key id '" + id + "' is given twice");
            }
            keys.put(id, new SecretKeySpec(decode(id, key), "AES"));
        }

        private static byte[] decode(String id, Secret key) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(key.reveal().strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key ring: key '" + id
                        + "' is not base64; give the base64 of 32 random bytes");
            }
            if (bytes.length != KEY_BYTES) {
                throw new IllegalArgumentException("key ring: key '" + id + "' holds "
                        + bytes.length + " bytes, not 32; give the base64 of 32 random bytes");
            }
            return bytes;
        }
    }
}
