package dev.recipes.store.jdbc;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts and decrypts one secret of one connection with AES-GCM: a random 96-bit IV per
 * value, a 128-bit tag, and the service, connection id and secret name as associated data, so
 * a value copied into another record or under another name fails to decrypt.
 */
final class SecretCipher {

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final byte[] AAD_PREFIX =
            "recipes.connection.v1".getBytes(StandardCharsets.UTF_8);
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final KeyRing keys;
    private final SecureRandom random = new SecureRandom();

    SecretCipher(KeyRing keys) {
        this.keys = keys;
    }

    String currentKeyId() {
        return keys.currentId();
    }

    KeyRing keys() {
        return keys;
    }

    /** Encrypts under the current key. */
    Sealed seal(String service, String id, String name, Secret secret) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(aad(service, id, name));
            byte[] data = cipher.doFinal(secret.bytes());
            return new Sealed(keys.currentId(), encode(iv), encode(data));
        } catch (GeneralSecurityException e) {
            throw new RecipeException("connection '" + service + "/" + id + "': secret '" + name
                    + "' could not be encrypted: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Decrypts with the key the value names. */
    Secret open(String service, String id, String name, Sealed sealed) {
        String subject = "connection '" + service + "/" + id + "': secret '" + name + "'";
        SecretKey key = keys.key(sealed.keyId()).orElseThrow(() -> new RecipeException(subject
                + " is encrypted with key '" + sealed.keyId() + "', which the key ring "
                + keys + " does not hold; add that key as an older key"));
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key,
                    new GCMParameterSpec(TAG_BITS, decode(subject, sealed.iv())));
            cipher.updateAAD(aad(service, id, name));
            byte[] plain = cipher.doFinal(decode(subject, sealed.data()));
            return Secret.of(new String(plain, StandardCharsets.UTF_8));
        } catch (AEADBadTagException e) {
            throw new RecipeException(subject + " does not decrypt with key '" + sealed.keyId()
                    + "': the stored value was altered or copied from another connection");
        } catch (GeneralSecurityException e) {
            throw new RecipeException(subject + " could not be decrypted with key '"
                    + sealed.keyId() + "': " + e.getClass().getSimpleName(), e);
        }
    }

    private static byte[] aad(String service, String id, String name) {
        byte[][] parts = {
            service.getBytes(StandardCharsets.UTF_8),
            id.getBytes(StandardCharsets.UTF_8),
            name.getBytes(StandardCharsets.UTF_8)
        };
        int size = AAD_PREFIX.length;
        for (byte[] part : parts) {
            size += Integer.BYTES + part.length;
        }
        ByteBuffer aad = ByteBuffer.allocate(size).put(AAD_PREFIX);
        for (byte[] part : parts) {
            aad.putInt(part.length).put(part);
        }
        return aad.array();
    }

    private static String encode(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] decode(String subject, String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new RecipeException(subject + " is stored malformed: not base64");
        }
    }

    /**
     * One encrypted value as stored.
     *
     * @param keyId the id of the key that encrypted it
     * @param iv the base64 of the 96-bit IV
     * @param data the base64 of the ciphertext followed by the tag
     */
    record Sealed(String keyId, String iv, String data) {
    }
}
