package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets access tokens for service accounts with the JWT bearer grant, and keeps one per
 * connection until shortly before it expires; hands user connections (those holding a Google
 * user's refresh token) to {@link UserTokens}.
 *
 * <p>Thread-safe. Callers that need a token for the same connection at the same time share one
 * request to the token endpoint, and share its failure too. A token is kept together with the
 * key it came from, so a connection whose key is replaced gets a new token at once.
 */
final class TokenSource {

    /** How long before Google's expiry a token stops being used. */
    static final Duration REFRESH_MARGIN = Duration.ofSeconds(60);

    /** The OAuth 2.0 grant type of a JWT bearer assertion (RFC 7523). */
    static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /** The longest lifetime taken from {@code expires_in}; Google's tokens last an hour. */
    static final Duration MAX_LIFETIME = Duration.ofHours(24);

    /** The longest access token accepted; Google's are a few hundred characters. */
    static final int MAX_TOKEN_LENGTH = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(TokenSource.class);
    private static final String FORM_PREFIX = "grant_type="
            + URLEncoder.encode(GRANT_TYPE, StandardCharsets.UTF_8) + "&assertion=";

    private final ApiHttp http;
    private final Clock clock;
    private final SheetsSettings settings;
    private final ObjectMapper json;
    private final UserTokens users;
    private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();

    TokenSource(ApiHttp http, Clock clock, SheetsSettings settings, ObjectMapper json) {
        this(http, clock, settings, json, null);
    }

    /**
     * Makes a token source that also serves user connections.
     *
     * @param http the HTTP sender
     * @param clock the engine's clock
     * @param settings the service's settings
     * @param json a mapper
     * @param users the tokens of user connections, or {@code null} to refuse user connections
     */
    TokenSource(ApiHttp http, Clock clock, SheetsSettings settings, ObjectMapper json,
            UserTokens users) {
        this.http = http;
        this.clock = clock;
        this.settings = settings;
        this.json = json;
        this.users = users;
    }

    /** The cached token and the fetch in progress of one connection; guarded by itself. */
    private static final class Slot {
        private Secret key;
        private AccessToken token;
        private Secret flightKey;
        private CompletableFuture<AccessToken> flight;
    }

    /**
     * Returns a token for a connection, fetching one if none is cached or it is about to
     * expire.
     *
     * @param connection a {@code google-sheets} connection holding a service-account key, or a
     *     user connection
     * @return a token
     * @throws ActionException permanent if the connection has no usable key or the token
     *     endpoint refuses it, or a user connection needs consent again; retryable if the
     *     endpoint cannot be reached or is overloaded
     */
    AccessToken token(Connection connection) {
        if (UserTokens.isUser(connection)) {
            if (users == null) {
                throw ActionException.permanent("connection 'google-sheets/" + connection.id()
                        + "': is a user connection, which this token source does not serve",
                        null);
            }
            return users.token(connection);
        }
        Secret key = connection.secret(GoogleSheets.SERVICE_ACCOUNT_SECRET)
                .orElseThrow(() -> ActionException.permanent("connection 'google-sheets/"
                        + connection.id() + "': secret '" + GoogleSheets.SERVICE_ACCOUNT_SECRET
                        + "' is missing; build the connection with "
                        + "GoogleSheets.serviceAccount()", null));
        Slot slot = slots.computeIfAbsent(connection.id(), id -> new Slot());
        CompletableFuture<AccessToken> flight;
        boolean leader = false;
        synchronized (slot) {
            if (slot.token != null && key.equals(slot.key)
                    && slot.token.freshAt(clock.instant())) {
                return slot.token;
            }
            if (slot.flight == null || !key.equals(slot.flightKey)) {
                slot.flight = new CompletableFuture<>();
                slot.flightKey = key;
                leader = true;
            }
            flight = slot.flight;
        }
        return leader ? lead(connection.id(), key, slot, flight) : follow(connection, flight);
    }

    /**
     * Forgets a token Google refused, unless a newer one has replaced it already.
     *
     * @param connectionId the connection
     * @param token the refused token
     */
    void invalidate(String connectionId, AccessToken token) {
        if (users != null) {
            users.invalidate(connectionId, token);
        }
        Slot slot = slots.get(connectionId);
        if (slot != null) {
            synchronized (slot) {
                if (slot.token == token) {
                    slot.token = null;
                }
            }
        }
    }

    private AccessToken lead(String connectionId, Secret key, Slot slot,
            CompletableFuture<AccessToken> flight) {
        AccessToken token = null;
        RuntimeException failure = null;
        try {
            token = fetch(connectionId, key);
            return token;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            synchronized (slot) {
                if (token != null) {
                    slot.token = token;
                    slot.key = key;
                }
                if (slot.flight == flight) {
                    slot.flight = null;
                    slot.flightKey = null;
                }
            }
            if (token != null) {
                flight.complete(token);
            } else {
                flight.completeExceptionally(failure != null ? failure
                        : new IllegalStateException("token fetch ended abnormally"));
            }
        }
    }

    private AccessToken follow(Connection connection, CompletableFuture<AccessToken> flight) {
        String subject = "connection 'google-sheets/" + connection.id() + "'";
        try {
            // The leader's request has its own timeout; this bound only guards against a
            // leader that never finishes.
            return flight.get(settings.requestTimeout().toMillis() * 2 + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ActionException failed) {
                throw failed.retryable()
                        ? ActionException.retryable(failed.getMessage(),
                                failed.retryAfter().orElse(null), failed)
                        : ActionException.permanent(failed.getMessage(), failed);
            }
            throw ActionException.permanent(subject + ": getting an access token failed: "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw ActionException.retryable(subject + ": waited too long for an access token "
                    + "another request was fetching", null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while waiting for an "
                    + "access token", null, e);
        }
    }

    private AccessToken fetch(String connectionId, Secret keyJson) {
        String subject = "connection 'google-sheets/" + connectionId + "'";
        ServiceAccountKey key;
        try {
            key = ServiceAccountKey.parse(keyJson.reveal(),
                    subject + ": secret '" + GoogleSheets.SERVICE_ACCOUNT_SECRET + "'");
        } catch (RecipeException e) {
            throw ActionException.permanent(e.getMessage(), null);
        }
        URI tokenUrl = settings.tokenUrlFor(key);
        String assertion;
        try {
            assertion = Jwt.assertion(key, tokenUrl.toString(), clock.instant());
        } catch (IllegalStateException e) {
            throw ActionException.permanent(subject + ": " + e.getMessage(), null);
        }
        String account = subject + ": service account '" + key.clientEmail() + "'";
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(tokenUrl)
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(FORM_PREFIX + assertion))
                    .build();
        } catch (IllegalArgumentException e) {
            // The builder's message may quote what it refused; the request carries the key's
            // signed assertion.
            throw ActionException.permanent(account + ": the request to token endpoint '"
                    + tokenUrl + "' cannot be built", null);
        }
        Instant sentAt = clock.instant();
        ApiHttp.Response response = http.send(request, account + ": token endpoint");
        if (response.status() == 200) {
            AccessToken token = readToken(response, account, tokenUrl, key, sentAt);
            LOG.debug("Got an access token for service account '{}' on connection '{}', "
                    + "used until {}", key.clientEmail(), connectionId, token.refreshAt());
            return token;
        }
        throw failure(response, account, tokenUrl);
    }

    private AccessToken readToken(ApiHttp.Response response, String account, URI tokenUrl,
            ServiceAccountKey key, Instant sentAt) {
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (IOException e) {
            body = json.missingNode();
        }
        JsonNode accessToken = body == null ? null : body.get("access_token");
        long expiresIn = body == null ? 0 : positiveSeconds(body.get("expires_in"));
        String tokenType = body == null ? "" : body.path("token_type").asText("Bearer");
        boolean bearer = "bearer".equals(tokenType.toLowerCase(Locale.ROOT));
        if (accessToken == null || !accessToken.isTextual() || accessToken.asText().isEmpty()
                || expiresIn <= 0 || !bearer) {
            throw ActionException.permanent(account + ": token endpoint '" + tokenUrl
                    + "' answered 200 without a Bearer 'access_token' and a positive "
                    + "'expires_in'; check config 'google-sheets.token-url'", null);
        }
        if (!isHeaderSafe(accessToken.asText())) {
            // The token is never quoted: it is a secret even when it is malformed.
            throw ActionException.permanent(account + ": token endpoint '" + tokenUrl
                    + "' answered 200 with an 'access_token' that is not 1 to "
                    + MAX_TOKEN_LENGTH + " visible ASCII characters; check config "
                    + "'google-sheets.token-url'", null);
        }
        long lifetime = expiresIn;
        if (lifetime > MAX_LIFETIME.toSeconds()) {
            LOG.warn("{}: token endpoint '{}' gave 'expires_in' {}; the token is used for at "
                    + "most {}", account, tokenUrl, body.get("expires_in"), MAX_LIFETIME);
            lifetime = MAX_LIFETIME.toSeconds();
        }
        long usable = Math.max(lifetime - REFRESH_MARGIN.toSeconds(), lifetime / 2);
        return new AccessToken(Secret.of(accessToken.asText()), key.clientEmail(),
                sentAt.plusSeconds(usable));
    }

    /**
     * Reads {@code expires_in}.
     *
     * @param expiresIn the field, or {@code null}
     * @return the whole seconds, {@link Long#MAX_VALUE} for a positive number too large for a
     *     long, or 0 if the field is missing, not a number or not positive
     */
    private static long positiveSeconds(JsonNode expiresIn) {
        if (expiresIn == null || !expiresIn.isNumber()) {
            return 0;
        }
        if (expiresIn.canConvertToLong()) {
            return Math.max(expiresIn.asLong(), 0);
        }
        return expiresIn.doubleValue() > 0 ? Long.MAX_VALUE : 0;
    }

    /**
     * Tells whether a token can go in an {@code Authorization} header as it is.
     *
     * @param token the token
     * @return {@code true} for 1 to {@link #MAX_TOKEN_LENGTH} visible ASCII characters
     */
    private static boolean isHeaderSafe(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private ActionException failure(ApiHttp.Response response, String account, URI tokenUrl) {
        int status = response.status();
        OAuthError error = OAuthError.parse(response.body(), json);
        String prefix = account + ": token endpoint '" + tokenUrl + "' answered " + status
                + " (" + error.describe() + ")";
        if (status == 408 || status == 429 || status >= 500) {
            return ActionException.retryable(prefix, http.retryAfter(response.headers()), null);
        }
        return ActionException.permanent(prefix + hint(error), null);
    }

    private static String hint(OAuthError error) {
        String description = error.description().toLowerCase(Locale.ROOT);
        if ("invalid_grant".equals(error.error())) {
            if (description.contains("iat") || description.contains("exp")
                    || description.contains("timeframe")) {
                return "; the host's clock is probably wrong: sync it with NTP";
            }
            return "; the key may be deleted or disabled, or the account unknown: create a "
                    + "new key in the Google Cloud console";
        }
        if ("invalid_scope".equals(error.error())) {
            return "; the account may not use the Sheets scope";
        }
        return "";
    }
}
