package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Secret;
import dev.recipes.core.oauth.RefreshClaims;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ServiceContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot token of a workspace's connection, refreshed before it expires when the app rotates
 * its tokens.
 *
 * <p>A connection stored by the OAuth install of an app with token rotation carries the
 * setting {@value #EXPIRES_AT} and the secret {@value #REFRESH_TOKEN}. Once less than
 * {@link #REFRESH_BEFORE} is left, the next action refreshes it with {@code oauth.v2.access}
 * ({@code grant_type=refresh_token}) before calling Slack. Refreshes of one connection are
 * single-flight: within this engine, callers share one refresh in memory; across engines
 * sharing a connection store, a claim written with {@link ConnectionStore#replace} lets one
 * refresh while the others wait for its result. Slack revokes a refresh token when it is used,
 * so the new one is stored before any caller can use the old one again. Thread-safe.
 */
final class SlackTokens {

    /** The setting with the instant the bot token expires, ISO 8601. */
    static final String EXPIRES_AT = "token-expires-at";
    /** The secret with the refresh token of a rotating bot token. */
    static final String REFRESH_TOKEN = "refresh-token";
    /** The secret with the installing user's token, when user scopes were asked for. */
    static final String USER_TOKEN = "user-token";
    /** The setting naming the engine that is refreshing the token, and until when. */
    static final String REFRESH_CLAIM = "token-refresh-claim";
    static final String TEAM_ID = "team-id";
    static final String TEAM_NAME = "team-name";
    static final String ENTERPRISE_ID = "enterprise-id";
    static final String ENTERPRISE_NAME = "enterprise-name";
    static final String ENTERPRISE_INSTALL = "enterprise-install";
    static final String APP_ID = "app-id";
    static final String BOT_USER_ID = "bot-user-id";
    static final String SCOPES = "scopes";
    static final String INSTALLED_BY = "installed-by";
    static final String INSTALLED_AT = "installed-at";

    /** How long before expiry a token is refreshed, as Slack's own Java SDK does. */
    static final Duration REFRESH_BEFORE = Duration.ofHours(2);

    /** The longest token lifetime taken from Slack; Slack's own is 12 hours. */
    static final Duration MAX_EXPIRES_IN = Duration.ofDays(366);

    private static final Logger LOG = LoggerFactory.getLogger(SlackTokens.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration MIN_CLAIM = Duration.ofSeconds(30);

    private final ConnectionStore store;
    private final Clock clock;
    private final String instanceId;
    private final SlackWebApi api;
    private final SlackOAuthSettings settings;
    private final Duration claimFor;
    private final Map<String, CompletableFuture<Connection>> refreshing =
            new ConcurrentHashMap<>();
    private final RefreshClaims claims;

    SlackTokens(ServiceContext context, SlackWebApi api, SlackOAuthSettings settings) {
        this.store = context.connections();
        this.clock = context.clock();
        this.instanceId = context.instanceId();
        this.api = api;
        this.settings = settings;
        Duration thrice = api.timeout().multipliedBy(3);
        this.claimFor = thrice.compareTo(MIN_CLAIM) > 0 ? thrice : MIN_CLAIM;
        this.claims = new RefreshClaims(REFRESH_CLAIM, clock, claimFor);
    }

    /**
     * The rotation part of an {@code oauth.v2.access} answer.
     *
     * @param refreshToken the new refresh token
     * @param expiresAt when the new access token expires
     */
    record Rotation(String refreshToken, Instant expiresAt) {

        @Override
        public String toString() {
            return "Rotation[expires " + expiresAt + "]";
        }
    }

    /**
     * Reads the rotation fields of an {@code oauth.v2.access} answer.
     *
     * @param answer Slack's answer
     * @param now when the answer arrived
     * @return the rotation, or empty if the app does not rotate tokens
     * @throws IllegalArgumentException if only one of the two fields is there, or is bad
     */
    static Optional<Rotation> rotation(JsonNode answer, Instant now) {
        JsonNode refresh = answer.get("refresh_token");
        JsonNode expiresIn = answer.get("expires_in");
        if (refresh == null && expiresIn == null) {
            return Optional.empty();
        }
        if (refresh == null || !refresh.isTextual() || !isToken(refresh.asText())
                || expiresIn == null || !expiresIn.isIntegralNumber()
                || !expiresIn.canConvertToLong() || expiresIn.asLong() <= 0
                || expiresIn.asLong() > MAX_EXPIRES_IN.toSeconds()) {
            throw new IllegalArgumentException("its refresh_token and expires_in are "
                    + "incomplete or malformed");
        }
        return Optional.of(new Rotation(refresh.asText(),
                now.plusSeconds(expiresIn.asLong())));
    }

    /**
     * Returns the bot token to call Slack with, refreshed first if it expires soon.
     *
     * @param invocation the action's invocation
     * @param subject starts error messages
     * @return the token
     * @throws ActionException if the connection has no token, or a needed refresh failed
     */
    Secret botToken(ActionInvocation invocation, String subject) {
        Connection connection = invocation.requireConnection();
        if (fresh(connection)) {
            return token(connection, subject);
        }
        return token(refreshed(connection.id(), subject), subject);
    }

    /**
     * Tells whether a token from Slack can be sent in a header: printable ASCII without
     * spaces, and not too long.
     *
     * @param token the token
     * @return {@code true} if usable
     */
    static boolean isToken(String token) {
        return !token.isEmpty() && token.length() <= 500
                && token.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static Secret token(Connection connection, String subject) {
        return connection.secret(SlackActions.BOT_TOKEN).orElseThrow(() ->
                ActionException.permanent(subject + ": connection '" + connection.id()
                        + "' has no secret '" + SlackActions.BOT_TOKEN + "'; store the app's "
                        + "bot token (xoxb-...) there, or install the app through "
                        + SlackInstall.START_PATH, null));
    }

    private boolean fresh(Connection connection) {
        Optional<String> expires = connection.setting(EXPIRES_AT);
        if (expires.isEmpty()) {
            return true;
        }
        return clock.instant().plus(REFRESH_BEFORE).isBefore(instant(expires.get(), connection));
    }

    // One refresh per connection in this engine; the others wait for its result.
    private Connection refreshed(String id, String subject) {
        CompletableFuture<Connection> mine = new CompletableFuture<>();
        CompletableFuture<Connection> running = refreshing.putIfAbsent(id, mine);
        if (running != null) {
            return join(running, subject);
        }
        try {
            Connection result = refresh(id, subject);
            mine.complete(result);
            return result;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            refreshing.remove(id, mine);
        }
    }

    private Connection join(CompletableFuture<Connection> running, String subject) {
        try {
            return running.get(claimFor.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ActionException failure) {
                throw failure;
            }
            throw ActionException.retryable(subject + ": the token refresh failed", null,
                    e.getCause());
        } catch (TimeoutException e) {
            throw ActionException.retryable(subject + ": the token refresh takes too long",
                    null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while the token is "
                    + "refreshed", null, e);
        }
    }

    // The protocol of ConnectionStore: claim, refresh, store the new tokens without the claim.
    private Connection refresh(String id, String subject) {
        // Waiting is timed by the system, not the engine's clock, which a test may hold still.
        long giveUp = System.nanoTime() + claimFor.multipliedBy(2).toNanos();
        while (true) {
            Connection read = store.find(SlackService.ID, id).orElseThrow(() ->
                    ActionException.permanent(subject + ": connection '" + id + "' was removed"
                            + " from the connection store", null));
            if (fresh(read)) {
                return read;
            }
            if (claims.held(read)) {
                if (System.nanoTime() - giveUp > 0) {
                    throw ActionException.retryable(subject + ": another engine has been "
                            + "refreshing the token of connection '" + id + "' for too long",
                            null, null);
                }
                pause(subject);
                continue;
            }
            if (settings == null) {
                throw ActionException.permanent(subject + ": the bot token of connection '" + id
                        + "' expires at " + read.setting(EXPIRES_AT).orElse("?") + " and cannot"
                        + " be refreshed without the app's credentials; set config 'slack."
                        + SlackService.CLIENT_ID_KEY + "' and 'slack."
                        + SlackService.CLIENT_SECRET_KEY + "'", null);
            }
            Secret refreshToken = read.secret(REFRESH_TOKEN).orElseThrow(() ->
                    ActionException.permanent(subject + ": connection '" + id + "' has an "
                            + "expiring token but no secret '" + REFRESH_TOKEN + "'; install "
                            + "the app again through " + SlackInstall.START_PATH, null));
            Connection claimed = claims.claim(read, instanceId);
            if (!store.replace(read, claimed)) {
                continue;
            }
            return exchange(read, claimed, refreshToken, subject);
        }
    }

    private Connection exchange(Connection read, Connection claimed, Secret refreshToken,
            String subject) {
        JsonNode answer;
        Rotation rotation;
        try {
            Map<String, String> form = new LinkedHashMap<>();
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", refreshToken.reveal());
            answer = api.oauthAccess(form, settings.clientId(), settings.clientSecret(),
                    subject + ": token refresh of connection '" + read.id() + "'");
            rotation = rotation(answer, clock.instant()).orElseThrow(() ->
                    new IllegalArgumentException("it carries no refresh_token"));
        } catch (ActionException e) {
            release(read, claimed);
            if (e.retryable()) {
                throw e;
            }
            // Another engine may have spent the token meanwhile (its claim looked expired to
            // it, say with a clock ahead of ours); then its new tokens are in the store.
            Optional<Connection> now = store.find(SlackService.ID, read.id());
            if (now.isPresent() && !sameRefreshToken(now.get(), refreshToken) && fresh(now.get())) {
                LOG.info("Slack connection '{}' was refreshed elsewhere while this engine's "
                        + "refresh failed; using the stored tokens", read.id());
                return now.get();
            }
            throw ActionException.permanent(e.getMessage() + "; install the app in the "
                    + "workspace again through " + SlackInstall.START_PATH, null);
        } catch (IllegalArgumentException e) {
            // Slack may have used up the refresh token; the claim stays until it expires, so
            // that nobody spends an old token meanwhile.
            throw ActionException.retryable(subject + ": Slack's answer to the token refresh "
                    + "of connection '" + read.id() + "' cannot be used: " + e.getMessage(),
                    null, null);
        }
        String token = answer.path("access_token").asText("");
        if (!isToken(token)) {
            throw ActionException.retryable(subject + ": Slack's answer to the token refresh "
                    + "of connection '" + read.id() + "' carries no usable access_token", null,
                    null);
        }
        Map<String, String> settingsNow = new LinkedHashMap<>();
        settingsNow.put(EXPIRES_AT, rotation.expiresAt().toString());
        Connection refreshed = claims.release(with(claimed, settingsNow, Map.of(
                SlackActions.BOT_TOKEN, token, REFRESH_TOKEN, rotation.refreshToken())));
        if (!store.replace(claimed, refreshed)) {
            return storeAfterLostClaim(refreshed, refreshToken);
        }
        LOG.info("Refreshed the bot token of Slack connection '{}'; it expires at {}",
                read.id(), rotation.expiresAt());
        return refreshed;
    }

    // The claim outlasted: the stored version changed under it. While it still holds the
    // refresh token this refresh spent (Slack has revoked it), the new tokens replace it;
    // once it holds another one (a reinstall, or another engine's refresh), that one wins.
    private Connection storeAfterLostClaim(Connection refreshed, Secret spent) {
        while (true) {
            Optional<Connection> current = store.find(SlackService.ID, refreshed.id());
            if (current.isEmpty()) {
                LOG.warn("Slack connection '{}' was removed while its token was refreshed; "
                        + "not storing the new tokens", refreshed.id());
                return refreshed;
            }
            if (!sameRefreshToken(current.get(), spent)) {
                LOG.warn("Slack connection '{}' changed while its token was refreshed (a "
                        + "reinstall or another engine's refresh); keeping the stored version",
                        refreshed.id());
                return current.get();
            }
            Map<String, String> plain = new LinkedHashMap<>(claims.release(current.get())
                    .settings());
            plain.put(EXPIRES_AT, refreshed.settings().get(EXPIRES_AT));
            Map<String, Secret> hidden = new LinkedHashMap<>(current.get().secrets());
            hidden.putAll(refreshed.secrets());
            Connection merged = new Connection(refreshed.service(), refreshed.id(), plain,
                    hidden);
            if (store.replace(current.get(), merged)) {
                LOG.warn("Token refresh of Slack connection '{}' outlasted its claim; stored "
                        + "the new tokens over the connection as it is now", refreshed.id());
                return merged;
            }
        }
    }

    private static boolean sameRefreshToken(Connection connection, Secret token) {
        return connection.secret(REFRESH_TOKEN).map(Secret::reveal)
                .filter(token.reveal()::equals).isPresent();
    }

    private void release(Connection read, Connection claimed) {
        if (!store.replace(claimed, read)) {
            LOG.debug("Claim on Slack connection '{}' was replaced before its release",
                    read.id());
        }
    }

    private static Connection with(Connection base, Map<String, String> settings,
            Map<String, String> secrets) {
        Map<String, String> plain = new LinkedHashMap<>(base.settings());
        plain.putAll(settings);
        Map<String, Secret> hidden = new LinkedHashMap<>(base.secrets());
        if (secrets != null) {
            secrets.forEach((name, value) -> hidden.put(name, Secret.of(value)));
        }
        return new Connection(base.service(), base.id(), plain, hidden);
    }

    private static Instant instant(String value, Connection connection) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            // A broken expiry counts as expired, so that the token is refreshed.
            LOG.warn("Slack connection '{}' has an unreadable instant '{}'; treating it as "
                    + "past", connection.id(), EventsApiHandler.abbreviate(value));
            return Instant.EPOCH;
        }
    }

    private void pause(String subject) {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while another engine "
                    + "refreshes the token", null, e);
        }
    }
}
