package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Secret;
import dev.recipes.core.oauth.RefreshClaims;
import dev.recipes.core.spi.ActionException;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access tokens of user connections: connections that hold a Google user's refresh token,
 * stored by the consent pages (or by hand), and get an access token from it.
 *
 * <p>The access token and its expiry are kept in the connection itself, so that every engine
 * sharing the connection store uses the same one. When less than {@link #REFRESH_MARGIN} is
 * left, the next action refreshes it ({@code grant_type=refresh_token}). Refreshes of one
 * connection are single-flight: within this engine, callers share one refresh in memory; across
 * engines, a claim written with {@link ConnectionStore#replace} lets one refresh while the
 * others wait for its result.
 *
 * <p>When Google answers {@code invalid_grant} (the user revoked access, the token went unused
 * for six months, or the OAuth app is in "Testing" status and the token is older than seven
 * days), the connection is marked with {@value #NEEDS_CONSENT} and the failure is permanent.
 * Later actions on it fail at once, without calling Google, until the user consents again and
 * the consent pages replace the connection. Thread-safe.
 */
final class UserTokens {

    /** The setting that marks a user connection, with the value {@value #USER_KIND}. */
    static final String KIND = "kind";
    /** The value of {@value #KIND} for a user connection. */
    static final String USER_KIND = "user";
    /** The secret with the user's refresh token. */
    static final String REFRESH_TOKEN = "refresh-token";
    /** The secret with the current access token. */
    static final String ACCESS_TOKEN = "access-token";
    /** The setting with the instant the access token expires, ISO 8601. */
    static final String EXPIRES_AT = "access-token-expires-at";
    /** The setting with the scopes the user granted, separated by spaces. */
    static final String SCOPES = "scopes";
    /** The setting with the user's email, when the scopes included {@code email}. */
    static final String EMAIL = "email";
    /** The setting with the instant the user consented. */
    static final String CONSENTED_AT = "consented-at";
    /** The setting that says the user must consent again, and why. */
    static final String NEEDS_CONSENT = "needs-consent";
    /** The setting with the instant the connection was marked {@value #NEEDS_CONSENT}. */
    static final String NEEDS_CONSENT_AT = "needs-consent-at";
    /** The setting naming the engine that is refreshing the token, and until when. */
    static final String REFRESH_CLAIM = "token-refresh-claim";

    /** How long before Google's expiry a token stops being used. */
    static final Duration REFRESH_MARGIN = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(UserTokens.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration MIN_CLAIM = Duration.ofSeconds(30);

    private final ConnectionStore store;
    private final Clock clock;
    private final String instanceId;
    private final ApiHttp http;
    private final ObjectMapper json;
    private final SheetsSettings sheets;
    private final GoogleOAuthSettings settings;
    private final Duration claimFor;
    private final RefreshClaims claims;
    private final ConcurrentMap<String, CompletableFuture<Connection>> refreshing =
            new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Secret> refused = new ConcurrentHashMap<>();

    /**
     * Makes the token source of user connections.
     *
     * @param store the connection store, shared with other engines or not
     * @param clock the engine's clock
     * @param instanceId this engine's id, named in claims
     * @param http the HTTP sender
     * @param json a mapper
     * @param sheets the service's settings
     * @param settings the OAuth client, or {@code null} if not configured: user connections
     *     then fail once their access token has expired
     */
    UserTokens(ConnectionStore store, Clock clock, String instanceId, ApiHttp http,
            ObjectMapper json, SheetsSettings sheets, GoogleOAuthSettings settings) {
        this.store = store;
        this.clock = clock;
        this.instanceId = instanceId;
        this.http = http;
        this.json = json;
        this.sheets = sheets;
        this.settings = settings;
        Duration thrice = sheets.requestTimeout().multipliedBy(3);
        this.claimFor = thrice.compareTo(MIN_CLAIM) > 0 ? thrice : MIN_CLAIM;
        this.claims = new RefreshClaims(REFRESH_CLAIM, clock, claimFor);
    }

    /**
     * Tells whether a connection is a user connection.
     *
     * @param connection a {@code google-sheets} connection
     * @return {@code true} if it is marked {@code kind=user} or holds a refresh token
     */
    static boolean isUser(Connection connection) {
        return USER_KIND.equals(connection.setting(KIND).orElse(null))
                || connection.secret(REFRESH_TOKEN).isPresent();
    }

    /**
     * Returns an access token of a user connection, refreshed first if it expires soon.
     *
     * @param connection the connection as the action read it
     * @return the token
     * @throws ActionException permanent if the connection needs consent again or Google
     *     refuses the refresh; retryable if Google cannot be reached or another engine's
     *     refresh takes too long
     */
    AccessToken token(Connection connection) {
        failIfNeedsConsent(connection);
        Optional<AccessToken> stored = usable(connection);
        if (stored.isPresent()) {
            return stored.get();
        }
        Connection refreshed = refreshed(connection.id());
        return usable(refreshed).orElseGet(() -> accessToken(refreshed));
    }

    /**
     * Stops using an access token that Google refused, so that the next call refreshes it.
     *
     * @param connectionId the connection
     * @param token the refused token
     */
    void invalidate(String connectionId, AccessToken token) {
        refused.put(connectionId, token.value());
    }

    private void failIfNeedsConsent(Connection connection) {
        Optional<String> reason = connection.setting(NEEDS_CONSENT);
        if (reason.isPresent()) {
            throw ActionException.permanent(subject(connection.id()) + ": needs the user's "
                    + "consent again since " + connection.setting(NEEDS_CONSENT_AT).orElse("?")
                    + " (" + reason.get() + "); have the user open " + startUrl(connection.id())
                    + "; until then, actions on it fail without calling Google", null);
        }
    }

    private Optional<AccessToken> usable(Connection connection) {
        Optional<Secret> token = connection.secret(ACCESS_TOKEN);
        Optional<String> expires = connection.setting(EXPIRES_AT);
        if (token.isEmpty() || expires.isEmpty()
                || token.get().equals(refused.get(connection.id()))) {
            return Optional.empty();
        }
        Instant refreshAt = instant(expires.get(), connection).minus(REFRESH_MARGIN);
        if (!clock.instant().isBefore(refreshAt)) {
            return Optional.empty();
        }
        return Optional.of(new AccessToken(token.get(), who(connection), refreshAt));
    }

    // A token just stored by a refresh whose lifetime is shorter than the margin.
    private AccessToken accessToken(Connection connection) {
        return new AccessToken(connection.secret(ACCESS_TOKEN).orElseThrow(), who(connection),
                clock.instant());
    }

    /** Names the user for messages: the email if known. */
    private static String who(Connection connection) {
        return connection.setting(EMAIL).orElse("the Google account of connection "
                + connection.id());
    }

    // One refresh per connection in this engine; the others wait for its result.
    private Connection refreshed(String id) {
        CompletableFuture<Connection> mine = new CompletableFuture<>();
        CompletableFuture<Connection> running = refreshing.putIfAbsent(id, mine);
        if (running != null) {
            return join(running, id);
        }
        try {
            Connection result = refresh(id);
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            refreshing.remove(id, mine);
        }
    }

    private Connection join(CompletableFuture<Connection> running, String id) {
        try {
            return running.get(claimFor.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ActionException failure) {
                throw failure.retryable()
                        ? ActionException.retryable(failure.getMessage(),
                                failure.retryAfter().orElse(null), failure)
                        : ActionException.permanent(failure.getMessage(), failure);
            }
            throw ActionException.retryable(subject(id) + ": the token refresh failed", null,
                    e.getCause());
        } catch (TimeoutException e) {
            throw ActionException.retryable(subject(id) + ": the token refresh takes too long",
                    null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject(id) + ": interrupted while the token is "
                    + "refreshed", null, e);
        }
    }

    // The protocol of ConnectionStore: claim, refresh, store the new token without the claim.
    private Connection refresh(String id) {
        // Waiting is timed by the system, not the engine's clock, which a test may hold still.
        long giveUp = System.nanoTime() + claimFor.multipliedBy(2).toNanos();
        while (true) {
            Connection read = store.find(GoogleSheetsService.ID, id).orElseThrow(() ->
                    ActionException.permanent(subject(id) + ": was removed from the "
                            + "connection store", null));
            failIfNeedsConsent(read);
            if (usable(read).isPresent()) {
                return read;
            }
            if (claims.held(read)) {
                if (System.nanoTime() - giveUp > 0) {
                    throw ActionException.retryable(subject(id) + ": another engine has been "
                            + "refreshing its access token for too long", null, null);
                }
                pause(id);
                continue;
            }
            if (settings == null) {
                throw ActionException.permanent(subject(id) + ": is a user connection whose "
                        + "access token cannot be refreshed without the OAuth client; set "
                        + "config '" + GoogleSheetsService.ID + "."
                        + GoogleOAuthSettings.CLIENT_ID_KEY + "' and '" + GoogleSheetsService.ID
                        + "." + GoogleOAuthSettings.CLIENT_SECRET_KEY + "'", null);
            }
            Secret refreshToken = read.secret(REFRESH_TOKEN).orElseThrow(() ->
                    ActionException.permanent(subject(id) + ": has no secret '"
                            + REFRESH_TOKEN + "'; have the user open " + startUrl(id), null));
            Connection claimed = claims.claim(read, instanceId);
            if (store.replace(read, claimed)) {
                return exchange(read, claimed, refreshToken);
            }
        }
    }

    private Connection exchange(Connection read, Connection claimed, Secret refreshToken) {
        String id = read.id();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken.reveal());
        form.put("client_id", settings.clientId());
        form.put("client_secret", settings.clientSecret().reveal());
        Instant sentAt = clock.instant();
        ApiHttp.Response response;
        try {
            response = http.send(request(form), subject(id) + ": token refresh");
        } catch (ActionException e) {
            release(read, claimed);
            throw e;
        }
        if (response.status() != 200) {
            throw refused(read, claimed, response);
        }
        Grant grant;
        try {
            grant = Grant.parse(response.body(), json, sentAt);
        } catch (IllegalArgumentException e) {
            release(read, claimed);
            throw ActionException.permanent(subject(id) + ": the token endpoint '"
                    + settings.tokenUrl() + "' answered the refresh with " + e.getMessage()
                    + "; check config '" + GoogleSheetsService.ID + ".token-url'", null);
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put(ACCESS_TOKEN, grant.accessToken().reveal());
        // Google normally keeps the refresh token; when it sends a new one, that one counts.
        grant.refreshToken().ifPresent(token -> secrets.put(REFRESH_TOKEN, token.reveal()));
        Map<String, String> plain = new LinkedHashMap<>();
        plain.put(EXPIRES_AT, grant.expiresAt().toString());
        grant.scopes().ifPresent(scopes -> plain.put(SCOPES, scopes));
        Connection refreshed = with(claimed, plain, secrets, true);
        if (!store.replace(claimed, refreshed)) {
            // The connection changed under the claim, such as by a new consent: keep that one,
            // and use this token for the call in hand only.
            // Limitation: a new refresh token in this answer is then lost; Google sends one
            // rarely, and the old one keeps working unless Google revoked it.
            LOG.debug("Google Sheets connection '{}' changed while its token was refreshed; "
                    + "not storing the refreshed token", id);
        } else {
            LOG.debug("Refreshed the access token of Google Sheets connection '{}'; it expires "
                    + "at {}", id, grant.expiresAt());
        }
        return refreshed;
    }

    private HttpRequest request(Map<String, String> form) {
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return HttpRequest.newBuilder(settings.tokenUrl())
                .timeout(sheets.requestTimeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
    }

    private ActionException refused(Connection read, Connection claimed,
            ApiHttp.Response response) {
        int status = response.status();
        OAuthError error = OAuthError.parse(response.body(), json).masking(
                read.secret(REFRESH_TOKEN).map(Secret::reveal).orElse(null),
                read.secret(ACCESS_TOKEN).map(Secret::reveal).orElse(null),
                settings.clientSecret().reveal());
        String message = subject(read.id()) + ": the token endpoint '" + settings.tokenUrl()
                + "' answered the refresh " + status + " (" + error.describe() + ")";
        if (status == 408 || status == 429 || status >= 500) {
            release(read, claimed);
            return ActionException.retryable(message, http.retryAfter(response.headers()),
                    null);
        }
        if (!"invalid_grant".equals(error.error())) {
            release(read, claimed);
            String hint = "invalid_client".equals(error.error())
                    || "unauthorized_client".equals(error.error())
                    ? "; check config '" + GoogleSheetsService.ID + "."
                            + GoogleOAuthSettings.CLIENT_ID_KEY + "' and '"
                            + GoogleSheetsService.ID + "." + GoogleOAuthSettings.CLIENT_SECRET_KEY
                            + "'" : "";
            return ActionException.permanent(message + hint, null);
        }
        return needsConsent(read, claimed, error);
    }

    private ActionException needsConsent(Connection read, Connection claimed,
            OAuthError error) {
        String reason = "Google refused its refresh token: "
                + error.describe().replaceAll("[.\\s]+$", "");
        Instant now = clock.instant();
        Map<String, String> mark = Map.of(NEEDS_CONSENT, reason, NEEDS_CONSENT_AT,
                now.toString());
        Connection marked = with(claimed, mark, Map.of(), true);
        Map<String, Secret> secrets = new LinkedHashMap<>(marked.secrets());
        secrets.remove(ACCESS_TOKEN);
        marked = new Connection(marked.service(), marked.id(), marked.settings(), secrets);
        if (!store.replace(claimed, marked)) {
            // A new consent replaced the connection meanwhile; it has a new refresh token.
            return ActionException.retryable(subject(read.id()) + ": changed while its "
                    + "refused token was refreshed; trying again with the new one", null, null);
        }
        LOG.warn("Google Sheets connection '{}' needs the user's consent again ({}); actions "
                + "on it fail without calling Google until the user opens {}. Refresh tokens "
                + "of an OAuth app in \"Testing\" status expire after 7 days: publish the app "
                + "to avoid that", read.id(), reason, startUrl(read.id()));
        return ActionException.permanent(subject(read.id()) + ": " + reason + "; the user must "
                + "consent again: have them open " + startUrl(read.id()) + ". Until then, "
                + "actions on this connection fail without calling Google", null);
    }

    private void release(Connection read, Connection claimed) {
        if (!store.replace(claimed, read)) {
            LOG.debug("Claim on Google Sheets connection '{}' was replaced before its release",
                    read.id());
        }
    }

    /** A copy with some settings and secrets set, and the claim dropped if asked. */
    private static Connection with(Connection base, Map<String, String> settings,
            Map<String, String> secrets, boolean dropClaim) {
        Map<String, String> plain = new LinkedHashMap<>(base.settings());
        if (dropClaim) {
            plain.remove(REFRESH_CLAIM);
        }
        plain.putAll(settings);
        Map<String, Secret> hidden = new LinkedHashMap<>(base.secrets());
        secrets.forEach((name, value) -> hidden.put(name, Secret.of(value)));
        return new Connection(base.service(), base.id(), plain, hidden);
    }

    private static Instant instant(String value, Connection connection) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            // A broken instant counts as past, so that the token is refreshed.
            LOG.warn("Google Sheets connection '{}' has an unreadable instant '{}'; treating it "
                    + "as past", connection.id(), GoogleError.clean(value.length() > 40
                    ? value.substring(0, 40) : value));
            return Instant.EPOCH;
        }
    }

    private void pause(String id) {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject(id) + ": interrupted while another engine "
                    + "refreshes its access token", null, e);
        }
    }

    private String startUrl(String connectionId) {
        return settings != null ? settings.startUrl(connectionId)
                : GoogleInstall.START_PATH + "?connection=" + connectionId;
    }

    private static String subject(String id) {
        return "connection '" + GoogleSheetsService.ID + "/" + id + "'";
    }

    /**
     * A successful answer of the token endpoint to a code exchange or a refresh.
     *
     * @param accessToken the access token
     * @param expiresAt when it expires
     * @param refreshToken a refresh token, if the answer carried one
     * @param scopes the granted scopes, if the answer listed them
     * @param idToken the OpenID Connect id token, if the scopes included {@code openid}
     */
    record Grant(Secret accessToken, Instant expiresAt, Optional<Secret> refreshToken,
            Optional<String> scopes, Optional<String> idToken) {

        /** The longest access token accepted; Google's are a few hundred characters. */
        static final int MAX_TOKEN_LENGTH = 4096;

        /**
         * Reads an answer.
         *
         * @param body the body of a 200 answer
         * @param json a mapper
         * @param sentAt when the request was sent, from which the expiry counts
         * @return the grant
         * @throws IllegalArgumentException if there is no usable Bearer access token with a
         *     positive lifetime; the message quotes no token
         */
        static Grant parse(byte[] body, ObjectMapper json, Instant sentAt) {
            JsonNode root;
            try {
                root = json.readTree(body);
            } catch (IOException e) {
                root = null;
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("a body that is not a JSON object");
            }
            String type = root.path("token_type").asText("Bearer");
            String token = text(root, "access_token");
            JsonNode expiresIn = root.get("expires_in");
            if (token == null || !headerSafe(token)
                    || !"bearer".equals(type.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("no usable Bearer 'access_token'");
            }
            if (expiresIn == null || !expiresIn.canConvertToLong() || expiresIn.asLong() <= 0) {
                throw new IllegalArgumentException("no positive 'expires_in'");
            }
            long lifetime = Math.min(expiresIn.asLong(), TokenSource.MAX_LIFETIME.toSeconds());
            String refresh = text(root, "refresh_token");
            return new Grant(Secret.of(token), sentAt.plusSeconds(lifetime),
                    Optional.ofNullable(refresh).map(Secret::of),
                    Optional.ofNullable(text(root, "scope")).map(GoogleError::clean),
                    Optional.ofNullable(text(root, "id_token")));
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value != null && value.isTextual() && !value.asText().isEmpty()
                    ? value.asText() : null;
        }

        private static boolean headerSafe(String token) {
            return token.length() <= MAX_TOKEN_LENGTH
                    && token.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
        }

        @Override
        public String toString() {
            return "Grant[expires " + expiresAt + ", scopes " + scopes.orElse("?") + "]";
        }
    }
}
