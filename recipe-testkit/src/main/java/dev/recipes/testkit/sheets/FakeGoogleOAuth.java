package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake of Google's OAuth 2.0 for web server applications, on {@code 127.0.0.1} with an
 * ephemeral port: the authorize page a user consents on, and the token endpoint that exchanges
 * codes (with PKCE) and refreshes access tokens.
 *
 * <pre>{@code
 * FakeSheetsServer sheets = FakeSheetsServer.start();
 * FakeGoogleOAuth google = FakeGoogleOAuth.start(clock)
 *         .client("client-1.apps.googleusercontent.com", "client-secret")
 *         .issueTo(sheets);                      // the Sheets fake accepts its access tokens
 * RecipeEngine engine = RecipeEngine.builder()
 *         .config("google-sheets.api-url", sheets.apiUrl())
 *         .config("google-sheets.token-url", google.tokenUrl())
 *         .config("google-sheets.oauth-authorize-url", google.authorizeUrl())
 *         ...
 * }</pre>
 *
 * <ul>
 *   <li>{@code GET /o/oauth2/v2/auth}: the client must be registered; {@code redirect_uri},
 *       {@code response_type=code}, {@code scope}, {@code code_challenge} (43 base64url
 *       characters) and {@code code_challenge_method=S256} are required. The consenting user
 *       ({@link #consentAs(String)}) approves at once: the page redirects to
 *       {@code redirect_uri?state=...&code=...&scope=...}, or with {@code error=access_denied}
 *       after {@link #denyNextConsent()}. Bad requests get a 400 page, as at Google, without a
 *       redirect.</li>
 *   <li>{@code POST /token} with {@code grant_type=authorization_code}: the client id and
 *       secret (in the form or HTTP Basic), a code issued to that client within ten minutes
 *       and not used before, the same {@code redirect_uri}, and a {@code code_verifier} whose
 *       S256 hash is the challenge. Answers {@code access_token}, {@code expires_in},
 *       {@code scope}, {@code token_type}, a {@code refresh_token} when the consent asked for
 *       {@code access_type=offline}, and an unsigned-looking {@code id_token} with the user's
 *       email when the scopes include {@code openid}.</li>
 *   <li>{@code POST /token} with {@code grant_type=refresh_token}: a refresh token of that
 *       client that is not {@linkplain #revoke(String) revoked} nor past its
 *       {@linkplain #refreshTokenLifetime(Duration) lifetime}; otherwise 400
 *       {@code invalid_grant} "Token has been expired or revoked.", as Google answers. No new
 *       refresh token unless {@link #rotateRefreshTokens(boolean)}.</li>
 * </ul>
 *
 * <p>Every token request is recorded ({@link #tokenCalls()}). Thread-safe.
 */
public final class FakeGoogleOAuth implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FakeGoogleOAuth.class);
    private static final String AUTHORIZE_PATH = "/o/oauth2/v2/auth";
    private static final String TOKEN_PATH = "/token";
    private static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Clock clock;
    private final String baseUrl;
    private final Object lock = new Object();
    private final Map<String, String> clients = new HashMap<>();
    private final Map<String, Code> codes = new HashMap<>();
    private final Map<String, Refresh> refreshTokens = new HashMap<>();
    private final Map<String, String> accessTokens = new HashMap<>();
    private final List<TokenCall> calls = new ArrayList<>();
    private final Deque<Failure> failures = new ArrayDeque<>();
    private final Deque<Duration> delays = new ArrayDeque<>();
    private final List<FakeSheetsServer> sheets = new ArrayList<>();
    private String user = "user@example.com";
    private boolean denyNext;
    private Set<String> grantOnlyNext;
    private Duration accessTokenLifetime = Duration.ofSeconds(3599);
    private Duration refreshTokenLifetime;
    private boolean rotate;

    /** An authorization code: who it was issued to, for which redirect and challenge. */
    private record Code(String clientId, String redirectUri, Set<String> scopes,
            String challenge, String user, boolean offline, Instant expiresAt) {
    }

    /** A refresh token: its client, user, scopes, and when it stops working. */
    private record Refresh(String clientId, String user, Set<String> scopes, Instant expiresAt,
            boolean revoked) {

        Refresh revoke() {
            return new Refresh(clientId, user, scopes, expiresAt, true);
        }
    }

    private record Failure(int status, String error, String description) {
    }

    /** An answer of the token endpoint. */
    private record Reply(int status, ObjectNode body) {
    }

    /**
     * A request to the token endpoint and how the fake answered it.
     *
     * @param grantType the form's {@code grant_type}
     * @param form the form as sent; {@link #toString()} masks its secrets
     * @param status the HTTP status answered
     * @param error the OAuth error answered, or empty on success
     */
    public record TokenCall(String grantType, Map<String, String> form, int status,
            String error) {

        private static final Set<String> SECRET_FIELDS = Set.of("client_secret", "code",
                "code_verifier", "refresh_token");

        /**
         * Copies the form.
         *
         * @param grantType the form's {@code grant_type}
         * @param form the form as sent; {@link #toString()} masks its secrets
         * @param status the HTTP status answered
         * @param error the OAuth error answered, or empty on success
         */
        public TokenCall {
            form = Map.copyOf(form);
        }

        /**
         * Tells whether the fake granted the request.
         *
         * @return {@code true} for a 200 answer
         */
        public boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            Map<String, String> shown = new LinkedHashMap<>();
            form.forEach((name, value) -> shown.put(name,
                    SECRET_FIELDS.contains(name) ? "***" : value));
            return "TokenCall[" + grantType + ", " + status + (error.isEmpty() ? "" : " " + error)
                    + ", form " + shown + "]";
        }
    }

    private FakeGoogleOAuth(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.executor = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "fake-google-oauth");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("fake Google OAuth: cannot listen on loopback", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Starts a fake on the system clock.
     *
     * @return the running fake; close it when done
     */
    public static FakeGoogleOAuth start() {
        return start(Clock.systemUTC());
    }

    /**
     * Starts a fake whose codes and tokens expire by the given clock.
     *
     * @param clock the clock, such as the engine's {@code MutableClock}
     * @return the running fake; close it when done
     */
    public static FakeGoogleOAuth start(Clock clock) {
        return new FakeGoogleOAuth(clock);
    }

    /**
     * Registers an OAuth client.
     *
     * @param clientId the client id
     * @param clientSecret the client secret
     * @return this fake
     */
    public FakeGoogleOAuth client(String clientId, String clientSecret) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        synchronized (lock) {
            clients.put(clientId, clientSecret);
        }
        return this;
    }

    /**
     * Makes a Sheets fake accept the access tokens this fake issues, with their scopes and
     * lifetime.
     *
     * @param sheetsServer the Sheets fake
     * @return this fake
     */
    public FakeGoogleOAuth issueTo(FakeSheetsServer sheetsServer) {
        Objects.requireNonNull(sheetsServer, "sheetsServer");
        synchronized (lock) {
            sheets.add(sheetsServer);
        }
        return this;
    }

    /**
     * Returns the authorize page's URL, for config {@code google-sheets.oauth-authorize-url}.
     *
     * @return such as {@code http://127.0.0.1:41234/o/oauth2/v2/auth}
     */
    public String authorizeUrl() {
        return baseUrl + AUTHORIZE_PATH;
    }

    /**
     * Returns the token endpoint's URL, for config {@code google-sheets.token-url}.
     *
     * @return such as {@code http://127.0.0.1:41234/token}
     */
    public String tokenUrl() {
        return baseUrl + TOKEN_PATH;
    }

    /**
     * Sets the user who consents on the authorize page from now on;
     * {@code user@example.com} at first.
     *
     * @param email the user's email
     */
    public void consentAs(String email) {
        Objects.requireNonNull(email, "email");
        synchronized (lock) {
            user = email;
        }
    }

    /** Makes the next consent end with {@code error=access_denied}. */
    public void denyNextConsent() {
        synchronized (lock) {
            denyNext = true;
        }
    }

    /**
     * Makes the next consent grant only some of the scopes asked for, as a user may with
     * Google's granular consent.
     *
     * @param scopes the scopes granted
     */
    public void grantOnlyNext(String... scopes) {
        synchronized (lock) {
            grantOnlyNext = new LinkedHashSet<>(List.of(scopes));
        }
    }

    /**
     * Revokes every refresh token of a user, as when the user removes the app's access: the
     * next refresh gets {@code invalid_grant}.
     *
     * @param email the user
     */
    public void revoke(String email) {
        synchronized (lock) {
            refreshTokens.replaceAll((token, refresh) ->
                    refresh.user().equals(email) ? refresh.revoke() : refresh);
        }
    }

    /**
     * Sets how long refresh tokens issued from now on work; for ever by default. Seven days is
     * what Google gives apps whose consent screen is in "Testing" status.
     *
     * @param lifetime the lifetime, or {@code null} for no end
     */
    public void refreshTokenLifetime(Duration lifetime) {
        synchronized (lock) {
            refreshTokenLifetime = lifetime;
        }
    }

    /**
     * Sets how long access tokens issued from now on live; 3599 seconds by default.
     *
     * @param lifetime a positive lifetime
     */
    public void accessTokenLifetime(Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("fake Google OAuth: lifetime " + lifetime
                    + " is not positive");
        }
        synchronized (lock) {
            accessTokenLifetime = lifetime;
        }
    }

    /**
     * Makes refreshes answer a new refresh token too (and revoke the old one), which Google
     * does only rarely.
     *
     * @param on whether to rotate
     */
    public void rotateRefreshTokens(boolean on) {
        synchronized (lock) {
            rotate = on;
        }
    }

    /**
     * Makes the next token request fail with an OAuth error, before any check.
     *
     * @param status the HTTP status
     * @param error the error code, such as {@code invalid_grant}
     * @param description the description
     */
    public void failNextToken(int status, String error, String description) {
        synchronized (lock) {
            failures.add(new Failure(status, error, description));
        }
    }

    /**
     * Makes the next token request wait before it is answered.
     *
     * @param delay how long
     */
    public void delayNextToken(Duration delay) {
        synchronized (lock) {
            delays.add(Objects.requireNonNull(delay, "delay"));
        }
    }

    /**
     * Returns the token requests so far, oldest first.
     *
     * @return a copy
     */
    public List<TokenCall> tokenCalls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /**
     * Returns the token requests of one grant type so far, oldest first.
     *
     * @param grantType such as {@code refresh_token}
     * @return a copy
     */
    public List<TokenCall> tokenCalls(String grantType) {
        return tokenCalls().stream().filter(call -> grantType.equals(call.grantType())).toList();
    }

    /**
     * Returns the refresh token issued last to a user that still works.
     *
     * @param email the user
     * @return the token, if any
     */
    public Optional<String> refreshTokenOf(String email) {
        Instant now = clock.instant();
        synchronized (lock) {
            String last = null;
            for (Map.Entry<String, Refresh> entry : refreshTokens.entrySet()) {
                if (entry.getValue().user().equals(email) && usable(entry.getValue(), now)) {
                    last = entry.getKey();
                }
            }
            return Optional.ofNullable(last);
        }
    }

    /**
     * Returns the access token issued last to a user.
     *
     * @param email the user
     * @return the token, if any
     */
    public Optional<String> accessTokenOf(String email) {
        synchronized (lock) {
            return Optional.ofNullable(accessTokens.get(email));
        }
    }

    /** Stops the server. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "FakeGoogleOAuth[" + baseUrl + "]";
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (AUTHORIZE_PATH.equals(path) && "GET".equals(exchange.getRequestMethod())) {
                authorize(exchange);
            } else if (TOKEN_PATH.equals(path) && "POST".equals(exchange.getRequestMethod())) {
                token(exchange);
            } else {
                send(exchange, 404, "text/plain; charset=utf-8", "fake Google OAuth serves GET "
                        + AUTHORIZE_PATH + " and POST " + TOKEN_PATH);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Fake Google OAuth: exchange failed", e);
        }
    }

    private void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = parse(exchange.getRequestURI().getRawQuery());
        String problem = authorizeProblem(query);
        if (problem != null) {
            send(exchange, 400, "text/html; charset=utf-8", "<p>Error 400: " + problem + "</p>");
            return;
        }
        String redirect = query.get("redirect_uri");
        Map<String, String> back = new LinkedHashMap<>();
        back.put("state", query.getOrDefault("state", ""));
        synchronized (lock) {
            if (denyNext) {
                denyNext = false;
                back.put("error", "access_denied");
            } else {
                Set<String> asked = new LinkedHashSet<>(List.of(query.get("scope").split(" ")));
                Set<String> granted = grantOnlyNext != null ? grantOnlyNext : asked;
                grantOnlyNext = null;
                String code = "4/0" + random(30);
                codes.put(code, new Code(query.get("client_id"), redirect, Set.copyOf(granted),
                        query.get("code_challenge"), user,
                        "offline".equals(query.get("access_type")),
                        clock.instant().plus(CODE_LIFETIME)));
                back.put("code", code);
                back.put("scope", String.join(" ", granted));
            }
        }
        exchange.getResponseHeaders().set("Location", redirect
                + (redirect.contains("?") ? "&" : "?") + encode(back));
        exchange.sendResponseHeaders(302, -1);
    }

    private String authorizeProblem(Map<String, String> query) {
        synchronized (lock) {
            if (!clients.containsKey(query.getOrDefault("client_id", ""))) {
                return "invalid_client: The OAuth client was not found.";
            }
        }
        if (query.getOrDefault("redirect_uri", "").isEmpty()) {
            return "invalid_request: Missing required parameter: redirect_uri";
        }
        if (!"code".equals(query.get("response_type"))) {
            return "unsupported_response_type";
        }
        if (query.getOrDefault("scope", "").isBlank()) {
            return "invalid_request: Missing required parameter: scope";
        }
        if (!"S256".equals(query.get("code_challenge_method"))
                || !CHALLENGE.matcher(query.getOrDefault("code_challenge", "")).matches()) {
            return "invalid_request: this fake wants an S256 code_challenge of 43 characters";
        }
        return null;
    }

    private void token(HttpExchange exchange) throws IOException {
        byte[] raw;
        try (InputStream in = exchange.getRequestBody()) {
            raw = in.readNBytes(MAX_BODY_BYTES);
        }
        Map<String, String> form = parse(new String(raw, StandardCharsets.UTF_8));
        basicAuth(exchange).forEach(form::putIfAbsent);
        Duration delay;
        Failure failure;
        synchronized (lock) {
            delay = delays.poll();
            failure = failures.poll();
        }
        if (delay != null) {
            pause(delay);
        }
        Reply reply = failure != null
                ? error(failure.status(), failure.error(), failure.description()) : grant(form);
        synchronized (lock) {
            calls.add(new TokenCall(form.getOrDefault("grant_type", ""), form, reply.status(),
                    reply.body().path("error").asText("")));
        }
        send(exchange, reply.status(), "application/json; charset=utf-8",
                reply.body().toString());
    }

    private Reply grant(Map<String, String> form) {
        String clientId = form.getOrDefault("client_id", "");
        synchronized (lock) {
            String secret = clients.get(clientId);
            if (secret == null || !secret.equals(form.get("client_secret"))) {
                return error(401, "invalid_client", "Unauthorized");
            }
        }
        return switch (form.getOrDefault("grant_type", "")) {
            case "authorization_code" -> exchangeCode(form, clientId);
            case "refresh_token" -> refresh(form, clientId);
            default -> error(400, "unsupported_grant_type", "Invalid grant_type: "
                    + form.getOrDefault("grant_type", ""));
        };
    }

    private Reply exchangeCode(Map<String, String> form, String clientId) {
        Instant now = clock.instant();
        Code code;
        synchronized (lock) {
            code = codes.remove(form.getOrDefault("code", ""));
        }
        if (code == null || !code.clientId().equals(clientId)
                || !now.isBefore(code.expiresAt())) {
            return error(400, "invalid_grant", "Malformed auth code.");
        }
        if (!code.redirectUri().equals(form.get("redirect_uri"))) {
            return error(400, "redirect_uri_mismatch", "Bad Request");
        }
        String verifier = form.get("code_verifier");
        if (verifier == null) {
            return error(400, "invalid_grant", "Missing code verifier.");
        }
        if (!code.challenge().equals(s256(verifier))) {
            return error(400, "invalid_grant", "Invalid code verifier.");
        }
        ObjectNode answer = issue(code.user(), code.scopes(), now);
        if (code.offline()) {
            answer.put("refresh_token", newRefreshToken(clientId, code.user(), code.scopes(),
                    now));
        }
        if (code.scopes().contains("openid")) {
            answer.put("id_token", idToken(clientId, code.user(), now));
        }
        return new Reply(200, answer);
    }

    private Reply refresh(Map<String, String> form, String clientId) {
        Instant now = clock.instant();
        String token = form.getOrDefault("refresh_token", "");
        Refresh refresh;
        boolean rotating;
        synchronized (lock) {
            refresh = refreshTokens.get(token);
            rotating = rotate;
            if (refresh != null && rotating && usable(refresh, now)) {
                refreshTokens.put(token, refresh.revoke());
            }
        }
        if (refresh == null || !usable(refresh, now)) {
            return error(400, "invalid_grant", "Token has been expired or revoked.");
        }
        if (!refresh.clientId().equals(clientId)) {
            return error(400, "unauthorized_client", "Unauthorized");
        }
        ObjectNode answer = issue(refresh.user(), refresh.scopes(), now);
        if (rotating) {
            answer.put("refresh_token", newRefreshToken(clientId, refresh.user(),
                    refresh.scopes(), now));
        }
        return new Reply(200, answer);
    }

    private static boolean usable(Refresh refresh, Instant now) {
        return !refresh.revoked() && (refresh.expiresAt() == null
                || now.isBefore(refresh.expiresAt()));
    }

    private ObjectNode issue(String email, Set<String> scopes, Instant now) {
        String token = "ya29.a0" + random(40);
        Duration lifetime;
        List<FakeSheetsServer> targets;
        synchronized (lock) {
            lifetime = accessTokenLifetime;
            accessTokens.put(email, token);
            targets = List.copyOf(sheets);
        }
        targets.forEach(target -> target.acceptAccessToken(token, email, scopes,
                now.plus(lifetime)));
        return Answer.JSON.createObjectNode().put("access_token", token)
                .put("expires_in", lifetime.toSeconds())
                .put("scope", String.join(" ", scopes))
                .put("token_type", "Bearer");
    }

    private String newRefreshToken(String clientId, String email, Set<String> scopes,
            Instant now) {
        String token = "1//0" + random(40);
        synchronized (lock) {
            refreshTokens.put(token, new Refresh(clientId, email, scopes,
                    refreshTokenLifetime == null ? null : now.plus(refreshTokenLifetime), false));
        }
        return token;
    }

    private static String idToken(String clientId, String email, Instant now) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        ObjectNode header = Answer.JSON.createObjectNode().put("alg", "RS256").put("kid", "fake");
        ObjectNode claims = Answer.JSON.createObjectNode()
                .put("iss", "https://accounts.google.com").put("aud", clientId)
                .put("sub", "1" + Math.abs((long) email.hashCode())).put("email", email)
                .put("email_verified", true).put("iat", now.getEpochSecond())
                .put("exp", now.getEpochSecond() + 3600);
        return url.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString("not-signed-by-the-fake".getBytes(StandardCharsets.UTF_8));
    }

    private static Reply error(int status, String error, String description) {
        return new Reply(status, Answer.JSON.createObjectNode().put("error", error)
                .put("error_description", description));
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest
                    .getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> basicAuth(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Basic ")) {
            return Map.of();
        }
        try {
            String pair = new String(Base64.getDecoder().decode(header.substring(6)),
                    StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            if (colon < 0) {
                return Map.of();
            }
            return Map.of("client_id", URLDecoder.decode(pair.substring(0, colon),
                    StandardCharsets.UTF_8), "client_secret", URLDecoder.decode(
                    pair.substring(colon + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }

    private static Map<String, String> parse(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            try {
                params.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // A malformed escape: the parameter is left out, and a check then fails.
            }
        }
        return params;
    }

    private static String encode(Map<String, String> params) {
        StringBuilder out = new StringBuilder();
        params.forEach((name, value) -> out.append(out.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return out.toString();
    }

    private static String random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
