package dev.recipes.sheets;

import dev.recipes.core.Secret;
import java.time.Instant;

/**
 * An access token of a service account, and when to fetch the next one.
 *
 * @param value the bearer token; its {@code toString()} is masked
 * @param clientEmail the service account it was issued to
 * @param refreshAt when the token stops being used, a little before Google expires it
 */
record AccessToken(Secret value, String clientEmail, Instant refreshAt) {

    /**
     * Tells whether the token is still to be used.
     *
     * @param now the current time
     * @return {@code true} before {@link #refreshAt()}
     */
    boolean freshAt(Instant now) {
        return now.isBefore(refreshAt);
    }
}
