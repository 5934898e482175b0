package dev.recipes.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Short, stable ids for the events the engine makes: the same inputs give the same id, so a
 * duplicate result still deduplicates downstream, while chains of results do not grow their ids.
 */
final class Ids {

    private Ids() {
    }

    /** Returns 32 hex digits of the SHA-256 of the text. */
    static String of(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
