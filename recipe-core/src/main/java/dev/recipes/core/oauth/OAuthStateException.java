package dev.recipes.core.oauth;

import java.util.Objects;

/** Says why an OAuth callback's {@code state} was refused. */
public final class OAuthStateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a state was refused. */
    public enum Reason {
        /** The callback carried no state. */
        MISSING,
        /** The state does not have the shape of an issued one. */
        MALFORMED,
        /** The state's HMAC does not match: it was not issued with this key and purpose. */
        FORGED,
        /** The state is past its expiry. */
        EXPIRED,
        /** The browser's cookie does not carry the state's nonce. */
        OTHER_BROWSER,
        /** The state was used by an earlier callback. */
        USED
    }

    /** Why the state was refused. */
    private final Reason reason;

    /**
     * Makes the exception.
     *
     * @param reason why the state was refused
     * @param message a sentence for the person installing
     */
    public OAuthStateException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Returns why the state was refused.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
