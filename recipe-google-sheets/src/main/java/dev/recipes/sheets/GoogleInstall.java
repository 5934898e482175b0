package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Connection;
import dev.recipes.core.oauth.OAuthPages;
import dev.recipes.core.oauth.OAuthStateException;
import dev.recipes.core.oauth.OAuthStates;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consent of a Google user, which stores a user connection: {@code GET
 * /oauth/google-sheets/start?connection=<id>} sends the browser to Google's authorize page
 * (authorization code flow with PKCE, {@code access_type=offline}, {@code prompt=consent}), and
 * {@code GET /oauth/google-sheets/callback} checks the state, exchanges the code at the token
 * endpoint and stores the connection with the user's refresh token. Thread-safe.
 *
 * <p>The connection id travels from the start to the callback inside the signed state. The
 * PKCE {@code code_verifier} is not stored either: it is derived from the state with an HMAC
 * under a key derived from the client secret ({@link OAuthStates#codeVerifier(String)}), so
 * the callback may land on any engine instance that has the same client secret.
 */
final class GoogleInstall {

    /** The path of the page that starts a consent. */
    static final String START_PATH = "/oauth/google-sheets/start";
    /** The path Google sends the browser back to. */
    static final String CALLBACK_PATH = GoogleOAuthSettings.CALLBACK_PATH;
    /** The cookie that binds a state to the browser that started the consent. */
    static final String COOKIE = "recipes_google_sheets_oauth";
    /** The connection a consent is for when the start page names none. */
    static final String DEFAULT_CONNECTION = "default";

    private static final Logger LOG = LoggerFactory.getLogger(GoogleInstall.class);
    private static final Pattern CONNECTION_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,60}");
    private static final int MAX_CODE_LENGTH = 1000;

    private final ServiceContext context;
    private final GoogleOAuthSettings settings;
    private final ApiHttp http;
    private final SheetsSettings sheets;
    private final OAuthStates states;

    GoogleInstall(ServiceContext context, GoogleOAuthSettings settings, ApiHttp http,
            SheetsSettings sheets) {
        this.context = context;
        this.settings = settings;
        this.http = http;
        this.sheets = sheets;
        this.states = OAuthStates.create("google-sheets-consent", settings.clientSecret(),
                context.clock(), context.idempotency(), settings.stateLifetime());
    }

    /**
     * Answers a page of the consent.
     *
     * @param request a GET under {@code /oauth/google-sheets/}
     * @return a redirect, or a short page saying what happened
     */
    WebhookResponse handle(WebhookRequest request) {
        return switch (request.path()) {
            case START_PATH -> start(request);
            case CALLBACK_PATH -> callback(request);
            default -> page(404, "Not found", "There is no Google Sheets page here; start at "
                    + START_PATH + ".");
        };
    }

    // Limitation: whoever can open the start page can connect a Google account under any
    // connection id that is free or holds a user, replacing that user; keep these pages behind
    // the application's login. A service account's connection is never replaced.
    private WebhookResponse start(WebhookRequest request) {
        String connectionId;
        try {
            connectionId = request.queryParameter("connection").orElse(DEFAULT_CONNECTION);
        } catch (IllegalArgumentException e) {
            return page(400, "Not connected", "The start link is malformed: " + e.getMessage()
                    + ".");
        }
        if (!CONNECTION_ID.matcher(connectionId).matches()) {
            return page(400, "Not connected", "The connection id must be 1 to 100 lowercase "
                    + "letters, digits, '.', '_' or '-', such as 'default'.");
        }
        OAuthStates.Issued issued = states.issue(connectionId);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("client_id", settings.clientId());
        query.put("redirect_uri", settings.redirectUri().toString());
        query.put("response_type", "code");
        query.put("scope", settings.scopes());
        query.put("access_type", "offline");
        query.put("prompt", "consent");
        query.put("state", issued.state());
        query.put("code_challenge",
                OAuthStates.codeChallenge(states.codeVerifier(issued.state())));
        query.put("code_challenge_method", "S256");
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
            return refused(400, "The link back from Google is malformed: " + e.getMessage()
                    + ". Start again at " + START_PATH + ".");
        }
        if (error.isPresent()) {
            String shown = ERROR_CODE.matcher(error.get()).matches() ? error.get() : "unknown";
            LOG.info("Google Sheets consent not completed: Google sent back error '{}'", shown);
            boolean denied = shown.equals("access_denied");
            return refused(denied ? 403 : 400, "Nothing was connected: Google answered '"
                    + shown + "'" + (denied ? " (access was not granted)" : "") + ".");
        }
        if (code.isEmpty() || code.get().isEmpty() || code.get().length() > MAX_CODE_LENGTH) {
            return refused(400, "The link back from Google carries no usable code. Start again "
                    + "at " + START_PATH + ".");
        }
        String connectionId;
        try {
            connectionId = states.verifyAndRead(state.orElse(null),
                    request.cookie(COOKIE).orElse(null));
        } catch (OAuthStateException e) {
            LOG.warn("Google Sheets consent refused: state {}: {}", e.reason(), e.getMessage());
            return refused(400, "This link cannot be used: " + e.getMessage() + ".");
        }
        if (!CONNECTION_ID.matcher(connectionId).matches()) {
            return refused(400, "This link names no connection. Start again at " + START_PATH
                    + ".");
        }
        return exchange(connectionId, code.get(), states.codeVerifier(state.get()));
    }

    private WebhookResponse exchange(String connectionId, String code, String verifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", settings.redirectUri().toString());
        form.put("code_verifier", verifier);
        form.put("client_id", settings.clientId());
        form.put("client_secret", settings.clientSecret().reveal());
        Instant sentAt = context.clock().instant();
        ApiHttp.Response response;
        try {
            response = http.send(HttpRequest.newBuilder(settings.tokenUrl())
                    .timeout(sheets.requestTimeout())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                    .build(), "Google Sheets consent: token endpoint");
        } catch (ActionException e) {
            LOG.warn("Google Sheets consent failed: {}", e.getMessage());
            return refused(502, "Google could not be reached to complete the consent. Start "
                    + "again at " + START_PATH + ".");
        }
        if (response.status() != 200) {
            OAuthError error = OAuthError.parse(response.body(), context.json())
                    .masking(code, verifier, settings.clientSecret().reveal());
            LOG.warn("Google Sheets consent failed: token endpoint '{}' answered {} ({})",
                    settings.tokenUrl(), response.status(), error.describe());
            return refused(response.status() >= 500 ? 502 : 400, "Google did not complete the "
                    + "consent (" + error.describe() + "). Start again at " + START_PATH + ".");
        }
        UserTokens.Grant grant;
        try {
            grant = UserTokens.Grant.parse(response.body(), context.json(), sentAt);
        } catch (IllegalArgumentException e) {
            LOG.warn("Google Sheets consent failed: the token endpoint's answer has {}",
                    e.getMessage());
            return refused(502, "Google's answer cannot be used: it has " + e.getMessage()
                    + ".");
        }
        return store(connectionId, grant, sentAt);
    }

    private WebhookResponse store(String connectionId, UserTokens.Grant grant, Instant now) {
        if (grant.refreshToken().isEmpty()) {
            LOG.warn("Google Sheets consent for connection '{}' failed: Google sent no refresh "
                    + "token", connectionId);
            return refused(502, "Google sent no refresh token, so the connection could not "
                    + "work offline. Remove this application's access in your Google Account "
                    + "(Security, Third-party access) and start again at " + START_PATH + ".");
        }
        List<String> missing = missingScopes(grant.scopes().orElse(settings.scopes()));
        if (!missing.isEmpty()) {
            LOG.info("Google Sheets consent for connection '{}' not stored: the user did not "
                    + "grant {}", connectionId, missing);
            return refused(403, "Access was granted only in part: " + String.join(", ", missing)
                    + " is needed. Start again at " + START_PATH + " and allow all the access "
                    + "asked for.");
        }
        Optional<Connection> existing = context.connections()
                .find(GoogleSheetsService.ID, connectionId);
        if (existing.isPresent() && !UserTokens.USER_KIND.equals(
                existing.get().setting(UserTokens.KIND).orElse(null))) {
            LOG.warn("Google Sheets consent for connection '{}' not stored: the connection "
                    + "holds a service account, which a consent never replaces", connectionId);
            return refused(409, "Connection '" + connectionId + "' holds a service account, "
                    + "which a consent does not replace. Start again with another connection "
                    + "id.");
        }
        Connection.Builder builder = Connection.builder(GoogleSheetsService.ID, connectionId)
                .setting(UserTokens.KIND, UserTokens.USER_KIND)
                .setting(UserTokens.SCOPES, grant.scopes().orElse(settings.scopes()))
                .setting(UserTokens.CONSENTED_AT, now.toString())
                .setting(UserTokens.EXPIRES_AT, grant.expiresAt().toString())
                .secret(UserTokens.REFRESH_TOKEN, grant.refreshToken().get().reveal())
                .secret(UserTokens.ACCESS_TOKEN, grant.accessToken().reveal());
        Optional<String> email = grant.idToken().flatMap(this::email);
        email.ifPresent(address -> builder.setting(UserTokens.EMAIL, address));
        context.connections().put(builder.build());
        LOG.info("Google user {}connected as connection '{}/{}' with scopes {}",
                email.map(address -> "'" + address + "' ").orElse(""), GoogleSheetsService.ID,
                connectionId, grant.scopes().orElse(settings.scopes()));
        return page(200, "Connected", "Google Sheets steps that run as connection '"
                + connectionId + "' now act as " + email.orElse("this Google account")
                + ". You can close this page.").withHeader("Set-Cookie", cookie("", 0));
    }

    /** The scopes asked for as URLs that the answer does not list; short names are skipped. */
    private List<String> missingScopes(String granted) {
        List<String> grantedList = List.of(granted.split(" "));
        List<String> missing = new ArrayList<>();
        for (String scope : settings.scopeList()) {
            if (scope.startsWith("https://") && !grantedList.contains(scope)) {
                missing.add(scope);
            }
        }
        return missing;
    }

    /**
     * Reads the email from an id token. It came straight from the token endpoint over the
     * connection the request went out on, so its signature is not checked (OpenID Connect
     * Core, section 3.1.3.7, allows that); it only names the user in pages and messages.
     */
    private Optional<String> email(String idToken) {
        String[] parts = idToken.split("\\.");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode claims = context.json().readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode email = claims.path("email");
            return email.isTextual() && !email.asText().isBlank()
                    ? Optional.of(GoogleError.clean(email.asText())) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String cookie(String value, long maxAgeSeconds) {
        return OAuthPages.stateCookie(COOKIE, value, "/oauth/google-sheets/", maxAgeSeconds,
                settings.redirectUri());
    }

    private WebhookResponse refused(int status, String message) {
        return page(status, "Not connected", message).withHeader("Set-Cookie", cookie("", 0));
    }

    private static WebhookResponse page(int status, String title, String message) {
        return OAuthPages.page(status, "Google Sheets", title, message);
    }

    private static String encode(Map<String, String> query) {
        StringBuilder out = new StringBuilder();
        query.forEach((name, value) -> out.append(out.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return out.toString();
    }
}
