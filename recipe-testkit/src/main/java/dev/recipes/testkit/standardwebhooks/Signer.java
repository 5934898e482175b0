package dev.recipes.testkit.standardwebhooks;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.StandardWebhooksSignature;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Makes a {@code webhook-signature} value with one entry per key: {@code v1} for each
 * {@code whsec_} secret, then {@code v1a} for each Ed25519 private key, separated by spaces.
 */
final class Signer {

    private final List<StandardWebhooksSignature> hmacs;
    private final List<PrivateKey> keys;

    private Signer(List<StandardWebhooksSignature> hmacs, List<PrivateKey> keys) {
        this.hmacs = hmacs;
        this.keys = keys;
    }

    static Signer ofSecrets(List<Secret> secrets) {
        Objects.requireNonNull(secrets, "secrets");
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("standard webhooks simulator: the list of "
                    + "secrets is empty");
        }
        List<StandardWebhooksSignature> hmacs = new ArrayList<>(secrets.size());
        for (int i = 0; i < secrets.size(); i++) {
            hmacs.add(StandardWebhooksSignature.of(
                    Objects.requireNonNull(secrets.get(i), "secret at index " + i)));
        }
        return new Signer(List.copyOf(hmacs), List.of());
    }

    static Signer ofKeys(List<PrivateKey> keys) {
        Objects.requireNonNull(keys, "keys");
        for (int i = 0; i < keys.size(); i++) {
            // Signing once checks that the key is an Ed25519 key, where it is given.
            StandardWebhooksSignature.signEd25519(
                    Objects.requireNonNull(keys.get(i), "private key at index " + i), "msg_check",
                    0, "{}".getBytes(StandardCharsets.UTF_8));
        }
        return new Signer(List.of(), List.copyOf(keys));
    }

    String sign(String id, long timestamp, byte[] body) {
        List<String> entries = new ArrayList<>(hmacs.size() + keys.size());
        hmacs.forEach(hmac -> entries.add(hmac.sign(id, timestamp, body)));
        keys.forEach(key -> entries.add(StandardWebhooksSignature.signEd25519(key, id,
                timestamp, body)));
        return String.join(" ", entries);
    }

    @Override
    public String toString() {
        return "Signer[" + hmacs.size() + " secret(s), " + keys.size() + " Ed25519 key(s)]";
    }
}
