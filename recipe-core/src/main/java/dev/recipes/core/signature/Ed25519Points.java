package dev.recipes.core.signature;

import java.math.BigInteger;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;

/**
 * Checks that an Ed25519 public key can only verify signatures its private key made.
 *
 * <p>The JDK accepts any point as a public key, including the eight points of small order
 * (the identity among them) and encodings with a coordinate of {@code p} or more. Under such a
 * key a signature can be made without any private key, so a key pasted from an example or a
 * placeholder would let anyone sign. This class decodes the point and multiplies it by the
 * cofactor 8: a point of small order becomes the identity.
 */
final class Ed25519Points {

    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    // d = -121665 / 121666 mod p
    private static final BigInteger D = BigInteger.valueOf(-121_665)
            .multiply(BigInteger.valueOf(121_666).modInverse(P)).mod(P);
    // sqrt(-1) = 2^((p - 1) / 4) mod p
    private static final BigInteger SQRT_M1 = BigInteger.TWO
            .modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);

    private Ed25519Points() {
    }

    /**
     * Returns why a key is unsafe to verify with, or {@code null} if it is a proper key.
     *
     * @param key an Ed25519 public key
     * @return the reason, such as {@code a point of small order}, or {@code null}
     */
    static String weakness(EdECPublicKey key) {
        EdECPoint point = key.getPoint();
        BigInteger y = point.getY();
        if (y.signum() < 0 || y.compareTo(P) >= 0) {
            return "not a canonical encoding of a point";
        }
        BigInteger x = recoverX(y, point.isXOdd());
        if (x == null) {
            return "not a point on the curve";
        }
        BigInteger[] q = {x, y};
        for (int i = 0; i < 3; i++) {
            q = twice(q[0], q[1]);
        }
        return q[0].signum() == 0 && q[1].equals(BigInteger.ONE) ? "a point of small order"
                : null;
    }

    // x^2 = (y^2 - 1) / (d y^2 + 1), RFC 8032 section 5.1.3
    private static BigInteger recoverX(BigInteger y, boolean odd) {
        BigInteger yy = y.multiply(y).mod(P);
        BigInteger u = yy.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(yy).add(BigInteger.ONE).mod(P);
        BigInteger xx = u.multiply(v.modInverse(P)).mod(P);
        BigInteger x = xx.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.multiply(x).mod(P).equals(xx)) {
            x = x.multiply(SQRT_M1).mod(P);
        }
        if (!x.multiply(x).mod(P).equals(xx)) {
            return null;
        }
        if (x.signum() == 0 && odd) {
            return null;
        }
        return x.testBit(0) == odd ? x : P.subtract(x).mod(P);
    }

    // Doubling on -x^2 + y^2 = 1 + d x^2 y^2, whose addition law is complete.
    private static BigInteger[] twice(BigInteger x, BigInteger y) {
        BigInteger dxy = D.multiply(x).multiply(x).multiply(y).multiply(y).mod(P);
        BigInteger x3 = x.multiply(y).shiftLeft(1)
                .multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
        BigInteger y3 = y.multiply(y).add(x.multiply(x))
                .multiply(BigInteger.ONE.subtract(dxy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x3, y3};
    }
}
