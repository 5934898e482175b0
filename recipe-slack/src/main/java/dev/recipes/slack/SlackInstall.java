package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Connection;
import dev.recipes.core.oauth.OAuthPages;
import dev.recipes.core.oauth.OAuthStateException;
import dev.recipes.core.oauth.OAuthStates;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OAuth v2 install of the Slack app into a workspace: {@code GET /oauth/slack/start} sends
 * the browser to Slack's authorize page with a fresh state, and
 * {@code GET /oauth/slack/callback} checks the state, exchanges the code at
 * {@code oauth.v2.access} and stores the workspace's connection. Thread-safe.
 */
final class SlackInstall {

    /** The path of the page that starts an install. */
    static final String START_PATH = "/oauth/slack/start";
    /** The path Slack sends the browser back to. */
    static final String CALLBACK_PATH = "/oauth/slack/callback";
    /** The cookie that binds a state to the browser that started the install. */
    static final String COOKIE = "recipes_slack_oauth";

    private static final Logger LOG = LoggerFactory.getLogger(SlackInstall.class);
    private static final Pattern SLACK_ID = Pattern.compile("[A-Z0-9]{1,40}");
    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,60}");
    private static final int MAX_CODE_LENGTH = 500;

    private final ServiceContext context;
    private final SlackOAuthSettings settings;
    private final SlackWebApi api;
    private final OAuthStates states;

    SlackInstall(ServiceContext context, SlackOAuthSettings settings, SlackWebApi api) {
        this.context = context;
        this.settings = settings;
        this.api = api;
        this.states = OAuthStates.create("slack-install", settings.clientSecret(),
                context.clock(), context.idempotency(), settings.stateLifetime());
    }

    /**
     * Answers a page of the install.
     *
     * @param request a GET under {@code /oauth/slack/}
     * @return a redirect, or a short page saying what happened
     */
    WebhookResponse handle(WebhookRequest request) {
        return switch (request.path()) {
            case START_PATH -> start();
            case CALLBACK_PATH -> callback(request);
            default -> page(404, "Not found", "There is no Slack install page here; start at "
                    + START_PATH + ".");
        };
    }

    private WebhookResponse start() {
        OAuthStates.Issued issued = states.issue();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", settings.clientId());
        query.put("scope", settings.scopes());
        if (!settings.userScopes().isEmpty()) {
            query.put("user_scope", settings.userScopes());
        }
        query.put("redirect_uri", settings.redirectUri().toString());
        query.put("state", issued.state());
        String location = OAuthPages.withQuery(settings.authorizeUrl().toString(), query);
        return OAuthPages.redirect(location,
                cookie(issued.nonce(), settings.stateLifetime().toSeconds()));
    }

    private WebhookResponse callback(WebhookRequest request) {
        Optional<String> error;
        Optional<String> code;
        Optional<String> state;
        try {
            error = request.queryParameter("error");
            code = request.queryParameter("code");
            state = request.queryParameter("state");
        } catch (IllegalArgumentException e) {
            return refused(400, "The link back from Slack is malformed: " + e.getMessage()
                    + ". Start the install again.");
        }
        if (error.isPresent()) {
            // Not checked against the state, so it leaves the cookie of an install in progress.
            String shown = ERROR_CODE.matcher(error.get()).matches() ? error.get() : "unknown";
            LOG.info("Slack install not completed: Slack sent back error '{}'", shown);
            return page(shown.equals("access_denied") ? 403 : 400, "Not installed",
                    "The app was not installed: Slack answered '" + shown + "'"
                            + (shown.equals("access_denied") ? " (the install was cancelled)"
                                    : "") + ".");
        }
        if (code.isEmpty() || code.get().isEmpty() || code.get().length() > MAX_CODE_LENGTH) {
            return refused(400, "The link back from Slack carries no usable code. Start the "
                    + "install again at " + START_PATH + ".");
        }
        try {
            states.verify(state.orElse(null), request.cookie(COOKIE).orElse(null));
        } catch (OAuthStateException e) {
            LOG.warn("Slack install refused: state {}: {}", e.reason(), e.getMessage());
            return refused(400, "This install link cannot be used: " + e.getMessage() + ".");
        }
        JsonNode answer;
        Map<String, String> form = new LinkedHashMap<>();
        form.put("code", code.get());
        form.put("redirect_uri", settings.redirectUri().toString());
        try {
            answer = api.oauthAccess(form, settings.clientId(), settings.clientSecret(),
                    "Slack install");
        } catch (ActionException e) {
            String reason = EventsApiHandler.abbreviate(
                    e.getMessage().replaceFirst("^Slack install: ", ""));
            LOG.warn("Slack install failed: {}", reason);
            return refused(e.retryable() ? 502 : 400, "Slack did not complete the install ("
                    + reason + "). Start the install again at " + START_PATH + ".");
        }
        Connection connection;
        try {
            connection = connectionOf(answer, context.clock().instant());
        } catch (IllegalArgumentException e) {
            LOG.warn("Slack install failed: Slack's answer to oauth.v2.access is not usable: {}",
                    e.getMessage());
            return refused(502, "Slack's answer cannot be used: " + e.getMessage() + ".");
        }
        context.connections().put(connection);
        String team = connection.setting(SlackTokens.TEAM_NAME)
                .or(() -> connection.setting(SlackTokens.ENTERPRISE_NAME)).orElse("Slack");
        LOG.info("Slack app installed in '{}' as connection 'slack/{}', bot scopes {}{}",
                EventsApiHandler.abbreviate(team), connection.id(),
                EventsApiHandler.abbreviate(connection.setting(SlackTokens.SCOPES).orElse("?")),
                connection.setting(SlackTokens.EXPIRES_AT).isPresent()
                        ? ", with token rotation" : "");
        if (settings.successUrl() != null) {
            return OAuthPages.redirect(settings.successUrl().toString(), cookie("", 0));
        }
        return page(200, "Installed", "The app is installed in " + team + ". You can close this "
                + "page.").withHeader("Set-Cookie", cookie("", 0));
    }

    /**
     * Makes the connection of a workspace from Slack's answer to {@code oauth.v2.access}.
     *
     * @param answer the answer, {@code ok} true
     * @param now when the tokens were issued
     * @return the connection, keyed by enterprise and team
     * @throws IllegalArgumentException if a field the connection needs is missing or bad
     */
    static Connection connectionOf(JsonNode answer, Instant now) {
        String token = text(answer, "access_token");
        if (token == null || !(token.startsWith("xoxb-") || token.startsWith("xoxe.xoxb-"))) {
            throw new IllegalArgumentException("it carries no bot token; give the app bot "
                    + "scopes in config 'slack." + SlackService.OAUTH_SCOPES_KEY + "'");
        }
        if (!SlackTokens.isToken(token)) {
            throw new IllegalArgumentException("its bot token holds spaces, control characters"
                    + " or other bytes a header cannot carry");
        }
        boolean orgWide = answer.path("is_enterprise_install").asBoolean(false);
        String enterpriseId = id(answer.path("enterprise"), "enterprise");
        String teamId = id(answer.path("team"), "team");
        if (orgWide ? enterpriseId == null : teamId == null) {
            throw new IllegalArgumentException("it names no " + (orgWide ? "enterprise" : "team"));
        }
        Connection.Builder builder = Connection.builder(SlackService.ID,
                        SlackWorkspace.connectionId(enterpriseId, orgWide ? null : teamId,
                                orgWide))
                .secret(SlackActions.BOT_TOKEN, token)
                .setting(SlackTokens.ENTERPRISE_INSTALL, String.valueOf(orgWide))
                .setting(SlackTokens.INSTALLED_AT, now.toString());
        putSetting(builder, SlackTokens.TEAM_ID, teamId);
        putSetting(builder, SlackTokens.TEAM_NAME, text(answer.path("team"), "name"));
        putSetting(builder, SlackTokens.ENTERPRISE_ID, enterpriseId);
        putSetting(builder, SlackTokens.ENTERPRISE_NAME, text(answer.path("enterprise"), "name"));
        putSetting(builder, SlackTokens.APP_ID, text(answer, "app_id"));
        putSetting(builder, SlackTokens.BOT_USER_ID, text(answer, "bot_user_id"));
        putSetting(builder, SlackTokens.SCOPES, text(answer, "scope"));
        putSetting(builder, SlackTokens.INSTALLED_BY, text(answer.path("authed_user"), "id"));
        String userToken = text(answer.path("authed_user"), "access_token");
        if (userToken != null && !SlackTokens.isToken(userToken)) {
            throw new IllegalArgumentException("its user token holds spaces, control characters"
                    + " or other bytes a header cannot carry");
        }
        if (userToken != null) {
            builder.secret(SlackTokens.USER_TOKEN, userToken);
        }
        SlackTokens.rotation(answer, now).ifPresent(rotation -> {
            builder.secret(SlackTokens.REFRESH_TOKEN, rotation.refreshToken());
            builder.setting(SlackTokens.EXPIRES_AT, rotation.expiresAt().toString());
        });
        return builder.build();
    }

    private static void putSetting(Connection.Builder builder, String name, String value) {
        if (value != null) {
            builder.setting(name, value);
        }
    }

    private static String id(JsonNode holder, String what) {
        if (holder.isMissingNode() || holder.isNull()) {
            return null;
        }
        String id = text(holder, "id");
        if (id == null || !SLACK_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("its " + what + " id is missing or malformed");
        }
        return id;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty()
                ? value.asText() : null;
    }

    private String cookie(String value, long maxAgeSeconds) {
        return OAuthPages.stateCookie(COOKIE, value, "/oauth/slack/", maxAgeSeconds,
                settings.redirectUri());
    }

    private WebhookResponse refused(int status, String message) {
        return page(status, "Not installed", message).withHeader("Set-Cookie", cookie("", 0));
    }

    private static WebhookResponse page(int status, String title, String message) {
        return OAuthPages.page(status, "Slack", title, message);
    }
}
