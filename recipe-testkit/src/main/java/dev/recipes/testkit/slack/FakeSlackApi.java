package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fake of Slack's Web API ({@code chat.postMessage}, {@code chat.update},
 * {@code reactions.add}), of {@code response_url}s and of the OAuth v2 install flow (the
 * authorize page and {@code oauth.v2.access}, with token rotation), on {@code 127.0.0.1} with
 * an ephemeral port, over real HTTP.
 *
 * <pre>{@code
 * try (FakeSlackApi slack = FakeSlackApi.start()) {
 *     String token = slack.newBotToken();
 *     RecipeEngine engine = RecipeEngine.builder()
 *             .config("slack.api-url", slack.apiUrl())
 *             .config("slack.response-url-prefixes", slack.responseUrlPrefix())
 *             .recipe(recipe)
 *             .build();
 *     engine.connections().put(Connection.builder("slack", "default")
 *             .secret("bot-token", token).build());
 *     // ... an event, engine.awaitIdle(...)
 *     assertThat(slack.messages("C0ALERTS")).hasSize(1);
 * }
 * }</pre>
 *
 * <p>It answers as Slack does: HTTP 200 with {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"<code>"}}. Web API calls need {@code Authorization: Bearer} with
 * a token made by {@link #newBotToken()} or {@link #registerToken(String)} (else
 * {@code not_authed} or {@code invalid_auth}), or issued by {@code oauth.v2.access} and not
 * yet expired by the fake's clock (else {@code token_expired}), and a JSON body sent as
 * {@code application/json; charset=utf-8} (else {@code missing_post_type} or
 * {@code invalid_charset}). Then:
 * <ul>
 *   <li>{@code chat.postMessage} needs {@code channel} ({@code channel_not_found}) and
 *       {@code text} or {@code blocks} ({@code no_text}); it stores the message and answers
 *       {@code channel}, a new {@code ts} string made from the fake's clock (seconds, a dot
 *       and six digits, such as {@code "1767603600.000001"}) and {@code message};</li>
 *   <li>{@code chat.update} needs the {@code channel} and {@code ts} of a stored message
 *       ({@code message_not_found}) and text or blocks, and replaces them;</li>
 *   <li>{@code reactions.add} needs {@code channel}, {@code timestamp} of a stored message
 *       and {@code name}; the same name twice answers {@code already_reacted};</li>
 *   <li>{@code POST} to a URL from {@link #newResponseUrl()} answers {@code {"ok":true}}, at
 *       most five times per URL, then 404 {@code used_url}; no token is needed;</li>
 *   <li>{@code GET /oauth/v2/authorize} (see {@link #authorizeUrl()}) plays the browser's
 *       visit and the user's approval: with the {@code client_id} of {@link #oauthApp} and an
 *       absolute http(s) {@code redirect_uri} (else a 400 text page) and {@code scope} or
 *       {@code user_scope} (else 400), it answers 302 to
 *       {@code <redirect_uri>?code=<code>&state=<state>}, or {@code ?error=access_denied&state=..}
 *       after {@link #denyNextInstall()}; {@code state} is echoed only if sent. A code is single
 *       use, expires ten minutes after issue by the fake's clock and is bound to the client, the
 *       redirect URI, the scopes and the {@linkplain #installInto install target};</li>
 *   <li>{@code POST /api/oauth.v2.access} takes an {@code application/x-www-form-urlencoded}
 *       UTF-8 form ({@code missing_post_type}, {@code invalid_post_type},
 *       {@code invalid_charset}) and client credentials in {@code Authorization: Basic} or
 *       else in the form fields {@code client_id} and {@code client_secret}
 *       ({@code invalid_client_id}, {@code bad_client_secret}). Without {@code grant_type} (or
 *       with {@code authorization_code}) it exchanges {@code code} ({@code invalid_code} if
 *       unknown, used or expired; {@code bad_redirect_uri} if {@code redirect_uri} differs
 *       from the authorize one; a refused exchange leaves the code usable) for a bot token
 *       {@code xoxb-...} granting the {@code scope} asked, and a user token {@code xoxp-...}
 *       in {@code authed_user} if {@code user_scope} was asked. After
 *       {@link #rotateTokens(Duration)} tokens look like {@code xoxe.xoxb-1-...}, expire and
 *       come with {@code expires_in} and a refresh token {@code xoxe-1-...};
 *       {@code grant_type=refresh_token} with {@code refresh_token} answers a new access token
 *       and a new refresh token, and revokes the old refresh token at once
 *       ({@code invalid_refresh_token} after); the old access token lives until its expiry.
 *       Any other grant type answers {@code invalid_grant_type}. Issued tokens work on the
 *       Web API.</li>
 * </ul>
 *
 * <pre>{@code
 * try (FakeSlackApi slack = FakeSlackApi.start(clock)) {
 *     slack.oauthApp("111.222", "app-secret").rotateTokens(Duration.ofHours(12));
 *     // point the app at slack.authorizeUrl() and slack.apiUrl(), then let a client that does
 *     // not follow redirects GET the app's start page, GET the Location it answers (the fake
 *     // authorize page), and GET the Location that answers (the app's redirect_uri)
 *     assertThat(slack.installs()).singleElement()
 *             .satisfies(install -> assertThat(install.teamId()).isEqualTo("T0TEST001"));
 *     clock.advance(Duration.ofHours(13)); // the app must refresh before posting again
 *     assertThat(slack.botTokenOf("T0TEST001")).isPresent();
 * }
 * }</pre>
 *
 * <p>Faults for the next requests, Web API or {@code response_url} alike, queue in order and
 * come before any check: {@link #failNext(String)} ({@code ok:false} with that code),
 * {@link #rateLimitNext(int)} (429 with {@code Retry-After}), {@link #answerNext(int, String)}
 * (any status and body) and {@link #delayNext(Duration)} (a real-time hold, then the normal
 * answer); they apply to the OAuth endpoints too. Every request is
 * {@linkplain #calls() recorded}, with secrets masked in {@link Call#toString()}. Thread-safe.
 */
public final class FakeSlackApi implements AutoCloseable {

    /** What {@link #calls()} records as the method of a {@code response_url} post. */
    public static final String RESPONSE_URL = "response_url";

    /** What {@link #calls()} records as the method of a visit to the authorize page. */
    public static final String AUTHORIZE = "oauth/v2/authorize";

    /** The Web API method that exchanges a code or a refresh token. */
    public static final String OAUTH_ACCESS = "oauth.v2.access";

    /**
     * The body field {@link Call#body()} of an {@value #OAUTH_ACCESS} call holds: whether the
     * client credentials came in {@code Authorization: Basic}.
     */
    public static final String BASIC_AUTH_FIELD = "_basic_auth";

    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int MAX_RESPONSES_PER_URL = 5;
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
    private static final String APP_ID = "A0FAKEAPP";
    private static final String INSTALLER = "U0INSTALL1";
    private static final String MASK = "***";
    private static final Set<String> SECRET_FIELDS = Set.of("client_secret", "code",
            "code_verifier", "refresh_token", "access_token", "token");
    private static final Target DEFAULT_TARGET = new Target(null, null, "T0TEST001",
            "Test Team", false);

    // The JDK server writes a response's headers and body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK. The JDK reads the property once.
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;
    private final Object lock = new Object();
    /** Accepted tokens and when each expires; {@link Instant#MAX} for never. */
    private final Map<String, Instant> tokens = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Map<String, Map<String, Message>> channels = new HashMap<>();
    private final Map<String, Integer> responseUrls = new HashMap<>();
    private final Set<String> reactions = new HashSet<>();
    private final Map<String, Grant> codes = new HashMap<>();
    private final Map<String, Grant> refreshTokens = new HashMap<>();
    private final List<Install> installs = new ArrayList<>();
    private final Map<String, String> botTokens = new HashMap<>();
    private final Map<String, String> botUsers = new HashMap<>();
    private long lastTsSecond;
    private int tsSequence;
    private String clientId;
    private String clientSecret;
    private Target target = DEFAULT_TARGET;
    private boolean denyNext;
    private Duration rotation;

    /**
     * One request the fake received.
     *
     * <p>{@link #toString()} masks the values of the body fields {@code client_secret},
     * {@code code}, {@code code_verifier}, {@code refresh_token}, {@code access_token} and
     * {@code token}; the accessors give them as sent.
     *
     * @param method the Web API method, such as {@code chat.postMessage} or
     *     {@value #OAUTH_ACCESS}, or {@value #RESPONSE_URL} or {@value #AUTHORIZE}
     * @param token the bearer token sent, or {@code null} if none
     * @param body the JSON body, or JSON null if it was not JSON; for {@value #AUTHORIZE} the
     *     query parameters and for {@value #OAUTH_ACCESS} the form fields, as a JSON object of
     *     strings, the latter with {@value #BASIC_AUTH_FIELD} added
     * @param at when it arrived, by the fake's clock
     * @param status the HTTP status of the answer
     * @param error the {@code ok:false} error code answered, or the error of a 400 authorize
     *     page (such as {@code invalid_client_id}) or of a redirect ({@code access_denied}),
     *     or {@code null}
     */
    public record Call(String method, String token, JsonNode body, Instant at, int status,
            String error) {

        /**
         * Returns a text field of the body.
         *
         * @param field such as {@code text}
         * @return the text, or {@code null} if absent or not text
         */
        public String text(String field) {
            JsonNode value = body.get(field);
            return value != null && value.isTextual() ? value.asText() : null;
        }

        /**
         * Tells whether the fake answered {@code ok:true}, or redirected an authorize visit
         * with a code.
         *
         * @return {@code true} on success
         */
        public boolean ok() {
            return (status == 200 || status == 302) && error == null;
        }

        /**
         * Shows the call with secrets masked; see the type's description.
         *
         * @return such as {@code Call[oauth.v2.access at ..., 200, {"code":"***",...}]}
         */
        @Override
        public String toString() {
            return "Call[" + method + " at " + at + ", " + status
                    + (error == null ? "" : " " + error) + ", " + masked(body) + "]";
        }

        private static JsonNode masked(JsonNode body) {
            if (!(body instanceof ObjectNode object)
                    || SECRET_FIELDS.stream().noneMatch(object::has)) {
                return body;
            }
            ObjectNode copy = object.deepCopy();
            for (String field : SECRET_FIELDS) {
                if (copy.has(field)) {
                    copy.put(field, MASK);
                }
            }
            return copy;
        }
    }

    /**
     * One app install the fake made: a code exchanged by {@value #OAUTH_ACCESS}. Refreshes do
     * not add installs; see {@link #botTokenOf(String)} for the latest token.
     *
     * <p>{@link #toString()} masks the tokens.
     *
     * @param enterpriseId the Enterprise Grid org, or {@code null}
     * @param teamId the workspace, or {@code null} for an org-wide install
     * @param botToken the bot token issued, or {@code null} if only user scopes were asked
     * @param refreshToken the bot token's refresh token, or {@code null} without rotation
     * @param at when, by the fake's clock
     */
    public record Install(String enterpriseId, String teamId, String botToken,
            String refreshToken, Instant at) {

        /**
         * Shows the install with its tokens masked.
         *
         * @return such as {@code Install[T0TEST001 at ..., bot token ***]}
         */
        @Override
        public String toString() {
            return "Install[" + (enterpriseId == null ? "" : enterpriseId + "/") + teamId
                    + " at " + at + (botToken == null ? "" : ", bot token " + MASK)
                    + (refreshToken == null ? "" : ", refresh token " + MASK) + "]";
        }
    }

    /** Where approvals install the app; {@code teamId} unused when org-wide. */
    private record Target(String enterpriseId, String enterpriseName, String teamId,
            String teamName, boolean orgWide) {

        /** What {@link #botTokenOf(String)} looks tokens up by. */
        String key() {
            return orgWide ? enterpriseId : teamId;
        }
    }

    /**
     * What a code or a refresh token grants: a bot token (user id {@code null}) or a user
     * token; codes also carry the user scope, the redirect URI and the expiry.
     */
    private record Grant(String clientId, Target target, String scope, String userId,
            String userScope, String redirectUri, Instant expires) {
    }

    /**
     * A message the fake stores.
     *
     * @param channel the channel id
     * @param ts the message's ts
     * @param text its text, or {@code null}
     * @param blocks its blocks, or {@code null}
     * @param threadTs the thread it replies in, or {@code null}
     */
    public record Message(String channel, String ts, String text, JsonNode blocks,
            String threadTs) {
    }

    /** A queued fault: an answer given instead of the normal one, or a hold before it. */
    private record Fault(int status, String body, Map<String, String> headers, Duration hold) {
    }

    private FakeSlackApi(Clock clock) {
        this.clock = clock;
        this.executor = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "fake-slack-api");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("fake slack api: cannot listen on loopback", e);
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
    public static FakeSlackApi start() {
        return start(Clock.systemUTC());
    }

    /**
     * Starts a fake whose {@code ts} values and call times come from a clock, such as a test
     * engine's.
     *
     * @param clock the clock
     * @return the running fake; close it when done
     */
    public static FakeSlackApi start(Clock clock) {
        return new FakeSlackApi(Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Returns the base URL of the fake Web API, for config {@code slack.api-url}.
     *
     * @return such as {@code http://127.0.0.1:54321/api}
     */
    public String apiUrl() {
        return baseUrl + "/api";
    }

    /**
     * Returns the prefix of every URL {@link #newResponseUrl()} makes, for config
     * {@code slack.response-url-prefixes}.
     *
     * @return such as {@code http://127.0.0.1:54321/response/}
     */
    public String responseUrlPrefix() {
        return baseUrl + "/response/";
    }

    /**
     * Makes a {@code response_url} the fake answers, as Slack puts in a slash command.
     *
     * @return a new URL under {@link #responseUrlPrefix()}
     */
    public String newResponseUrl() {
        String id = "T0TEST001/" + Math.abs(RANDOM.nextLong() % 1_000_000_000_000L) + "/"
                + random(12);
        synchronized (lock) {
            responseUrls.put(id, 0);
        }
        return responseUrlPrefix() + id;
    }

    /**
     * Makes a bot token the fake accepts.
     *
     * @return such as {@code xoxb-test-1f0c...}
     */
    public String newBotToken() {
        return registerToken("xoxb-test-" + random(12));
    }

    /**
     * Makes the fake accept a token.
     *
     * @param token the token
     * @return the token
     */
    public String registerToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("fake slack api: token is blank");
        }
        synchronized (lock) {
            tokens.put(token, Instant.MAX);
        }
        return token;
    }

    /**
     * Configures the one OAuth app the fake knows; the authorize page and
     * {@value #OAUTH_ACCESS} refuse every client until then. Codes and refresh tokens issued
     * to an earlier app stop working.
     *
     * @param clientId the app's client id, such as {@code 111.222}
     * @param clientSecret the app's client secret
     * @return this fake
     */
    public FakeSlackApi oauthApp(String clientId, String clientSecret) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        if (clientId.isBlank() || clientSecret.isBlank()) {
            throw new IllegalArgumentException("fake slack api: client id or secret is blank");
        }
        synchronized (lock) {
            this.clientId = clientId;
            this.clientSecret = clientSecret;
        }
        return this;
    }

    /**
     * Returns the URL of the fake authorize page, where an app sends the browser.
     *
     * @return such as {@code http://127.0.0.1:54321/oauth/v2/authorize}
     */
    public String authorizeUrl() {
        return baseUrl + "/" + AUTHORIZE;
    }

    /**
     * Makes the next approvals install into a workspace outside any Enterprise Grid org. The
     * default is team {@code T0TEST001} named {@code Test Team}; the installing user is always
     * {@code U0INSTALL1}.
     *
     * @param teamId such as {@code T0TEST002}
     * @param teamName such as {@code Other Team}
     * @return this fake
     */
    public FakeSlackApi installInto(String teamId, String teamName) {
        Target next = new Target(null, null, required(teamId, "teamId"),
                required(teamName, "teamName"), false);
        synchronized (lock) {
            target = next;
        }
        return this;
    }

    /**
     * Makes the next approvals install into an Enterprise Grid org: into one of its
     * workspaces, or org-wide ({@code is_enterprise_install} true and {@code team} null, and
     * {@link #botTokenOf(String)} takes the enterprise id).
     *
     * @param enterpriseId such as {@code E0ORG0001}
     * @param enterpriseName such as {@code Big Org}
     * @param teamId the workspace; ignored, and may be {@code null}, when org-wide
     * @param teamName the workspace's name; ignored, and may be {@code null}, when org-wide
     * @param orgWide whether the install is org-wide
     * @return this fake
     */
    public FakeSlackApi installIntoEnterprise(String enterpriseId, String enterpriseName,
            String teamId, String teamName, boolean orgWide) {
        Target next = new Target(required(enterpriseId, "enterpriseId"),
                required(enterpriseName, "enterpriseName"),
                orgWide ? null : required(teamId, "teamId"),
                orgWide ? null : required(teamName, "teamName"), orgWide);
        synchronized (lock) {
            target = next;
        }
        return this;
    }

    /**
     * Makes the user refuse the next valid authorize visit: it redirects with
     * {@code error=access_denied} and no code. An authorize visit the page refuses with 400
     * does not use this up.
     *
     * @return this fake
     */
    public FakeSlackApi denyNextInstall() {
        synchronized (lock) {
            denyNext = true;
        }
        return this;
    }

    /**
     * Turns token rotation on: access tokens issued from now on (by a code or a refresh
     * token) expire after a lifetime by the fake's clock, and {@value #OAUTH_ACCESS} answers
     * them with {@code expires_in} and a refresh token. Slack's lifetime is 12 hours. Tokens
     * issued before keep their own lifetime.
     *
     * @param lifetime how long an access token lives, at least one second; {@code expires_in}
     *     gives its whole seconds
     * @return this fake
     */
    public FakeSlackApi rotateTokens(Duration lifetime) {
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("fake slack api: token lifetime " + lifetime
                    + " is under a second");
        }
        synchronized (lock) {
            rotation = lifetime;
        }
        return this;
    }

    /**
     * Returns the installs made, oldest first.
     *
     * @return a snapshot
     */
    public List<Install> installs() {
        synchronized (lock) {
            return List.copyOf(installs);
        }
    }

    /**
     * Returns the bot token last issued for a workspace, by an install or a refresh; it may
     * have expired by the fake's clock if the app did not refresh it.
     *
     * @param teamId the workspace, or the enterprise id for an org-wide install
     * @return the token, or empty if none was issued
     */
    public Optional<String> botTokenOf(String teamId) {
        synchronized (lock) {
            return Optional.ofNullable(botTokens.get(teamId));
        }
    }

    /**
     * Answers the next request with {@code {"ok":false,"error":"<code>"}} and HTTP 200.
     *
     * @param error the error code, such as {@code channel_not_found} or {@code ratelimited}
     * @return this fake
     */
    public FakeSlackApi failNext(String error) {
        Objects.requireNonNull(error, "error");
        return queue(new Fault(200, "{\"ok\":false,\"error\":\"" + error + "\"}", Map.of(),
                Duration.ZERO));
    }

    /**
     * Answers the next request with 429, {@code Retry-After} and
     * {@code {"ok":false,"error":"ratelimited"}}.
     *
     * @param retryAfterSeconds the header's value, in seconds
     * @return this fake
     */
    public FakeSlackApi rateLimitNext(int retryAfterSeconds) {
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("fake slack api: Retry-After "
                    + retryAfterSeconds + " is negative");
        }
        return queue(new Fault(429, "{\"ok\":false,\"error\":\"ratelimited\"}",
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)), Duration.ZERO));
    }

    /**
     * Answers the next request with any status and JSON body, such as a 503 or an answer
     * whose {@code ts} is a number.
     *
     * @param status an HTTP status, 200 to 599
     * @param body the body, sent as {@code application/json}
     * @return this fake
     */
    public FakeSlackApi answerNext(int status, String body) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("fake slack api: status " + status
                    + " is not 200 to 599");
        }
        return queue(new Fault(status, Objects.requireNonNull(body, "body"), Map.of(),
                Duration.ZERO));
    }

    /**
     * Holds the next request for a while in real time, then answers it normally; for client
     * timeouts.
     *
     * @param hold how long, at most 30 seconds
     * @return this fake
     */
    public FakeSlackApi delayNext(Duration hold) {
        Objects.requireNonNull(hold, "hold");
        if (hold.isNegative() || hold.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("fake slack api: delay " + hold
                    + " is not between zero and " + MAX_DELAY);
        }
        return queue(new Fault(0, null, Map.of(), hold));
    }

    private FakeSlackApi queue(Fault fault) {
        synchronized (lock) {
            faults.add(fault);
        }
        return this;
    }

    /**
     * Returns every request received, oldest first.
     *
     * @return a snapshot
     */
    public List<Call> calls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /**
     * Returns the requests of one method, oldest first.
     *
     * @param method such as {@code chat.postMessage}, or {@value #RESPONSE_URL}
     * @return a snapshot
     */
    public List<Call> calls(String method) {
        return calls().stream().filter(call -> call.method().equals(method)).toList();
    }

    /**
     * Returns the messages stored in a channel, oldest first, as last updated.
     *
     * @param channel the channel id
     * @return a snapshot; empty for an unknown channel
     */
    public List<Message> messages(String channel) {
        synchronized (lock) {
            return List.copyOf(channels.getOrDefault(channel, Map.of()).values());
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readNBytes(MAX_BODY_BYTES);
            }
            String path = exchange.getRequestURI().getRawPath();
            boolean response = path.startsWith("/response/");
            boolean authorize = path.equals("/" + AUTHORIZE);
            String method = authorize ? AUTHORIZE : response ? RESPONSE_URL
                    : path.startsWith("/api/") ? path.substring("/api/".length()) : path;
            String token = bearer(exchange);
            JsonNode body = authorize ? form(exchange.getRequestURI().getRawQuery())
                    : method.equals(OAUTH_ACCESS) ? accessBody(exchange, raw) : parse(raw);
            Fault fault;
            synchronized (lock) {
                fault = faults.poll();
            }
            if (fault != null && fault.hold().compareTo(Duration.ZERO) > 0) {
                hold(fault.hold());
                fault = null;
            }
            Instant at = clock.instant();
            if (fault != null) {
                record(method, token, body, at, fault.status(), errorOf(fault.body()));
                send(exchange, fault.status(), fault.body(), fault.headers());
                return;
            }
            String expected = authorize ? "GET" : "POST";
            if (!expected.equals(exchange.getRequestMethod())) {
                record(method, token, body, at, 405, null);
                send(exchange, 405, "{\"ok\":false,\"error\":\"method_not_allowed\"}",
                        Map.of());
                return;
            }
            if (authorize) {
                authorize(exchange, body, at);
                return;
            }
            ObjectNode answer = response ? respond(path.substring("/response/".length()))
                    : method.equals(OAUTH_ACCESS) ? access(exchange, body, at)
                    : webApi(method, token, exchange, body, at);
            int status = answer.has("status") ? answer.remove("status").asInt() : 200;
            record(method, token, body, at, status, answer.path("ok").asBoolean()
                    ? null : answer.path("error").asText());
            send(exchange, status, json.writeValueAsString(answer), Map.of());
        }
    }

    private ObjectNode webApi(String method, String token, HttpExchange exchange,
            JsonNode body, Instant at) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        synchronized (lock) {
            if (token == null) {
                return error("not_authed");
            }
            Instant expires = tokens.get(token);
            if (expires == null) {
                return error("invalid_auth");
            }
            if (!at.isBefore(expires)) {
                return error("token_expired");
            }
            if (contentType == null) {
                return error("missing_post_type");
            }
            String type = contentType.toLowerCase(Locale.ROOT).replace(" ", "");
            if (!type.startsWith("application/json") || !type.contains("charset=utf-8")) {
                return error("invalid_charset");
            }
            if (!body.isObject()) {
                return error("invalid_json");
            }
            return switch (method) {
                case "chat.postMessage" -> postMessage(body);
                case "chat.update" -> update(body);
                case "reactions.add" -> react(token, body);
                default -> error("unknown_method");
            };
        }
    }

    private ObjectNode postMessage(JsonNode body) {
        String channel = text(body, "channel");
        if (channel == null) {
            return error("channel_not_found");
        }
        if (text(body, "text") == null && !body.path("blocks").isArray()) {
            return error("no_text");
        }
        Message message = new Message(channel, nextTs(), text(body, "text"),
                body.get("blocks"), text(body, "thread_ts"));
        channels.computeIfAbsent(channel, key -> new LinkedHashMap<>())
                .put(message.ts(), message);
        return ok(message);
    }

    private ObjectNode update(JsonNode body) {
        String channel = text(body, "channel");
        String ts = text(body, "ts");
        Message old = channel == null || ts == null ? null
                : channels.getOrDefault(channel, Map.of()).get(ts);
        if (old == null) {
            return error(channel == null ? "channel_not_found" : "message_not_found");
        }
        if (text(body, "text") == null && !body.path("blocks").isArray()) {
            return error("no_text");
        }
        Message updated = new Message(channel, ts, text(body, "text"), body.get("blocks"),
                old.threadTs());
        channels.get(channel).put(ts, updated);
        return ok(updated);
    }

    private ObjectNode react(String token, JsonNode body) {
        String channel = text(body, "channel");
        String ts = text(body, "timestamp");
        String name = text(body, "name");
        if (name == null) {
            return error("invalid_name");
        }
        if (channel == null || ts == null
                || !channels.getOrDefault(channel, Map.of()).containsKey(ts)) {
            return error("message_not_found");
        }
        if (!reactions.add(token + " " + channel + " " + ts + " " + name)) {
            return error("already_reacted");
        }
        return json.createObjectNode().put("ok", true);
    }

    private ObjectNode respond(String id) {
        synchronized (lock) {
            Integer used = responseUrls.get(id);
            if (used == null || used >= MAX_RESPONSES_PER_URL) {
                return error(used == null ? "expired_url" : "used_url").put("status", 404);
            }
            responseUrls.put(id, used + 1);
            return json.createObjectNode().put("ok", true);
        }
    }

    /** Plays the authorize page and the user's answer: a 302 to the redirect URI, or 400. */
    private void authorize(HttpExchange exchange, JsonNode query, Instant at)
            throws IOException {
        String redirectUri = text(query, "redirect_uri");
        String state = text(query, "state");
        String scope = text(query, "scope");
        String userScope = text(query, "user_scope");
        String refusal;
        String location = null;
        String error = null;
        synchronized (lock) {
            if (clientId == null || !clientId.equals(text(query, "client_id"))) {
                refusal = "invalid_client_id: the client_id is missing or unknown";
            } else if (redirectUri == null) {
                refusal = "bad_redirect_uri: the redirect_uri is missing";
            } else if (!isWebUri(redirectUri)) {
                refusal = "bad_redirect_uri: the redirect_uri is not an absolute http(s) URI"
                        + " without a fragment";
            } else if (scope == null && userScope == null) {
                refusal = "invalid_scope: neither scope nor user_scope was asked";
            } else {
                refusal = null;
                String params;
                if (denyNext) {
                    denyNext = false;
                    error = "access_denied";
                    params = "error=access_denied";
                } else {
                    String code = Long.toString(at.getEpochSecond()) + "." + random(16);
                    codes.put(code, new Grant(clientId, target, scope, null, userScope,
                            redirectUri, at.plus(CODE_LIFETIME)));
                    params = "code=" + encode(code);
                }
                location = appendQuery(redirectUri,
                        state == null ? params : params + "&state=" + encode(state));
            }
        }
        if (refusal != null) {
            record(AUTHORIZE, null, query, at, 400, refusal.substring(0, refusal.indexOf(':')));
            send(exchange, 400, "text/plain; charset=utf-8",
                    "Slack (fake): cannot install the app. " + refusal + "\n", Map.of());
            return;
        }
        record(AUTHORIZE, null, query, at, 302, error);
        exchange.getResponseHeaders().set("Location", location);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(302, -1);
    }

    /** Reads an oauth.v2.access body: the form fields, and whether Basic auth was used. */
    private JsonNode accessBody(HttpExchange exchange, byte[] raw) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        JsonNode body = type != null && type.toLowerCase(Locale.ROOT)
                .startsWith("application/x-www-form-urlencoded")
                ? form(new String(raw, StandardCharsets.UTF_8)) : parse(raw);
        if (body instanceof ObjectNode object) {
            object.put(BASIC_AUTH_FIELD, basic(exchange) != null);
        }
        return body;
    }

    private ObjectNode access(HttpExchange exchange, JsonNode body, Instant at) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String[] basic = basic(exchange);
        synchronized (lock) {
            if (contentType == null) {
                return error("missing_post_type");
            }
            String type = contentType.toLowerCase(Locale.ROOT).replace(" ", "");
            if (!type.startsWith("application/x-www-form-urlencoded")) {
                return error("invalid_post_type");
            }
            int charset = type.indexOf("charset=");
            if (charset >= 0 && !type.startsWith("utf-8", charset + "charset=".length())) {
                return error("invalid_charset");
            }
            String id = basic != null ? basic[0] : text(body, "client_id");
            String secret = basic != null ? basic[1] : text(body, "client_secret");
            if (clientId == null || id == null || !clientId.equals(id)) {
                return error("invalid_client_id");
            }
            if (secret == null || !MessageDigest.isEqual(
                    secret.getBytes(StandardCharsets.UTF_8),
                    clientSecret.getBytes(StandardCharsets.UTF_8))) {
                return error("bad_client_secret");
            }
            String grantType = text(body, "grant_type");
            if (grantType == null || grantType.equals("authorization_code")) {
                return exchangeCode(body, at);
            }
            if (grantType.equals("refresh_token")) {
                return refresh(body, at);
            }
            return error("invalid_grant_type");
        }
    }

    private ObjectNode exchangeCode(JsonNode body, Instant at) {
        String code = text(body, "code");
        Grant grant = code == null ? null : codes.get(code);
        if (grant == null || !grant.clientId().equals(clientId)
                || !at.isBefore(grant.expires())) {
            return error("invalid_code");
        }
        if (!grant.redirectUri().equals(text(body, "redirect_uri"))) {
            return error("bad_redirect_uri");
        }
        codes.remove(code);
        Target to = grant.target();
        ObjectNode answer = json.createObjectNode().put("ok", true).put("app_id", APP_ID);
        ObjectNode user = answer.putObject("authed_user").put("id", INSTALLER);
        if (grant.userScope() != null) {
            user.put("scope", grant.userScope());
            issue(user, new Grant(clientId, to, grant.userScope(), INSTALLER, null, null,
                    null), at);
            user.put("token_type", "user");
        }
        String botToken = null;
        if (grant.scope() != null) {
            answer.put("scope", grant.scope()).put("token_type", "bot");
            botToken = issue(answer, new Grant(clientId, to, grant.scope(), null, null, null,
                    null), at);
            answer.put("bot_user_id", botUser(to));
            botTokens.put(to.key(), botToken);
        }
        workspace(answer, to);
        installs.add(new Install(to.enterpriseId(), to.orgWide() ? null : to.teamId(), botToken,
                text(answer, "refresh_token"), at));
        return answer;
    }

    private ObjectNode refresh(JsonNode body, Instant at) {
        String refreshToken = text(body, "refresh_token");
        Grant grant = refreshToken == null ? null : refreshTokens.get(refreshToken);
        if (grant == null || !grant.clientId().equals(clientId)) {
            return error("invalid_refresh_token");
        }
        refreshTokens.remove(refreshToken);
        Target to = grant.target();
        boolean bot = grant.userId() == null;
        ObjectNode answer = json.createObjectNode().put("ok", true).put("app_id", APP_ID);
        answer.putObject("authed_user").put("id", INSTALLER);
        answer.put("scope", grant.scope()).put("token_type", bot ? "bot" : "user");
        String token = issue(answer, grant, at);
        if (bot) {
            answer.put("bot_user_id", botUser(to));
            botTokens.put(to.key(), token);
        }
        workspace(answer, to);
        return answer;
    }

    /**
     * Issues and registers an access token for a grant into a node: {@code access_token}, and
     * with rotation {@code refresh_token} and {@code expires_in}.
     */
    private String issue(ObjectNode node, Grant grant, Instant at) {
        String kind = grant.userId() == null ? "xoxb" : "xoxp";
        String token = rotation == null ? kind + "-" + random(16)
                : "xoxe." + kind + "-1-" + random(16);
        node.put("access_token", token);
        if (rotation == null) {
            tokens.put(token, Instant.MAX);
            return token;
        }
        tokens.put(token, at.plus(rotation));
        String refreshToken = "xoxe-1-" + random(24);
        refreshTokens.put(refreshToken, new Grant(clientId, grant.target(), grant.scope(),
                grant.userId(), null, null, null));
        node.put("refresh_token", refreshToken);
        node.put("expires_in", rotation.toSeconds());
        return token;
    }

    private String botUser(Target to) {
        String key = (to.enterpriseId() == null ? "" : to.enterpriseId() + "/") + to.key();
        return botUsers.computeIfAbsent(key, unused -> String.format(Locale.ROOT, "U0BOT%04d",
                botUsers.size() + 1));
    }

    private void workspace(ObjectNode answer, Target to) {
        if (to.orgWide()) {
            answer.putNull("team");
        } else {
            answer.putObject("team").put("id", to.teamId()).put("name", to.teamName());
        }
        if (to.enterpriseId() == null) {
            answer.putNull("enterprise");
        } else {
            answer.putObject("enterprise").put("id", to.enterpriseId())
                    .put("name", to.enterpriseName());
        }
        answer.put("is_enterprise_install", to.orgWide());
    }

    private ObjectNode ok(Message message) {
        ObjectNode answer = json.createObjectNode()
                .put("ok", true)
                .put("channel", message.channel())
                .put("ts", message.ts());
        ObjectNode shown = answer.putObject("message")
                .put("type", "message")
                .put("ts", message.ts());
        if (message.text() != null) {
            shown.put("text", message.text());
        }
        return answer;
    }

    private ObjectNode error(String code) {
        return json.createObjectNode().put("ok", false).put("error", code);
    }

    /** Makes a ts from the clock's second and a sequence within it, as Slack's look. */
    private String nextTs() {
        long second = clock.instant().getEpochSecond();
        if (second != lastTsSecond) {
            lastTsSecond = second;
            tsSequence = 0;
        }
        tsSequence++;
        return String.format(Locale.ROOT, "%d.%06d", second, tsSequence);
    }

    private void record(String method, String token, JsonNode body, Instant at, int status,
            String error) {
        synchronized (lock) {
            calls.add(new Call(method, token, body, at, status, error));
        }
    }

    private String errorOf(String body) {
        JsonNode node = parse(body.getBytes(StandardCharsets.UTF_8));
        return node.path("ok").asBoolean(true) ? null : node.path("error").asText(null);
    }

    private JsonNode parse(byte[] raw) {
        try {
            JsonNode node = json.readTree(raw);
            return node == null ? NullNode.getInstance() : node;
        } catch (IOException e) {
            return NullNode.getInstance();
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty()
                ? value.asText() : null;
    }

    /** Decodes a query or form; a malformed pair is ignored, and the first of a name wins. */
    private ObjectNode form(String raw) {
        ObjectNode fields = json.createObjectNode();
        if (raw == null) {
            return fields;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals),
                        StandardCharsets.UTF_8);
                String value = equals < 0 ? ""
                        : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                if (!name.isEmpty() && !fields.has(name)) {
                    fields.put(name, value);
                }
            } catch (IllegalArgumentException e) {
                // a malformed escape: ignored, as if absent
            }
        }
        return fields;
    }

    /**
     * Reads {@code Authorization: Basic}: {@code null} without it, else the id and secret,
     * both {@code null} when malformed.
     */
    private static String[] basic(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, "Basic ".length())) {
            return null;
        }
        try {
            String pair = new String(Base64.getDecoder().decode(
                    header.substring("Basic ".length()).strip()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            return colon < 0 ? new String[2]
                    : new String[] {pair.substring(0, colon), pair.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return new String[2];
        }
    }

    private static boolean isWebUri(String uri) {
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme();
            return parsed.isAbsolute() && parsed.getHost() != null
                    && parsed.getRawFragment() == null
                    && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** Adds encoded parameters to a URI's query, after {@code ?} or {@code &} as needed. */
    private static String appendQuery(String uri, String params) {
        if (uri.indexOf('?') < 0) {
            return uri + "?" + params;
        }
        return uri.endsWith("?") || uri.endsWith("&") ? uri + params : uri + "&" + params;
    }

    /** Encodes a query value; spaces as {@code %20}, which every decoder reads. */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String required(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException("fake slack api: " + name + " is blank");
        }
        return value;
    }

    private static String bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ")
                ? header.substring("Bearer ".length()).strip() : null;
    }

    private static void hold(Duration hold) {
        try {
            Thread.sleep(hold.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, String body,
            Map<String, String> headers) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", body, headers);
    }

    private static void send(HttpExchange exchange, int status, String contentType,
            String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Stops the server; requests on hold are cut. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "FakeSlackApi[" + baseUrl + ", " + calls().size() + " calls]";
    }
}
