package dev.recipes.core.signature;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Public keys under which a signature can be made without a private key are refused: the
 * JDK takes them, and a placeholder key in a configuration would let anyone sign.
 */
final class Ed25519WeakKeyTest {

    private static final String X509_HEADER = "302a300506032b6570032100";

    @ParameterizedTest
    @ValueSource(strings = {
        // the identity (order 1)
        "0100000000000000000000000000000000000000000000000000000000000000",
        // y = -1 (order 2)
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // y = 0 (order 4), both signs of x
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    })
    void smallOrderPointsAreRefused(String hex) throws GeneralSecurityException {
        PublicKey weak = key(hex);

        assertThatThrownBy(() -> StandardWebhooksSignature.ofPublicKeys(weak))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("standard webhooks signature: public key at index 0 is a point of "
                        + "small order, under which anyone could sign; it is not a real "
                        + "sender's key");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // y = p and y = p + 1: non-canonical encodings of small-order points, which the JDK
        // refuses itself
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    })
    void nonCanonicalEncodingsAreRefused(String hex) throws GeneralSecurityException {
        PublicKey weak = key(hex);

        assertThatThrownBy(() -> StandardWebhooksSignature.ofPublicKeys(weak))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("standard webhooks signature: public key at index 0 "
                        + "is not");
    }

    @Test
    void theRfc8032KeyAndAGeneratedKeyAreTaken() throws GeneralSecurityException {
        PublicKey rfc = key("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        PublicKey generated = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
                .getPublic();

        assertThatCode(() -> StandardWebhooksSignature.ofPublicKeys(rfc, generated))
                .doesNotThrowAnyException();
    }

    @Test
    void aWeakKeyAmongGoodOnesIsNamedByIndex() throws GeneralSecurityException {
        PublicKey good = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        PublicKey identity = key(
                "0100000000000000000000000000000000000000000000000000000000000000");

        assertThatThrownBy(() -> StandardWebhooksSignature.ofPublicKeys(good, identity))
                .hasMessageContaining("public key at index 1 is a point of small order");
    }

    private static PublicKey key(String rawHex) throws GeneralSecurityException {
        byte[] encoded = HexFormat.of().parseHex(X509_HEADER + rawHex);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    }
}
