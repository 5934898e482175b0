package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.recipes.testkit.internal.HeaderChecks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake of Google's Sheets API ({@code spreadsheets.values.append},
 * {@code spreadsheets.values.get} and {@code spreadsheets.values.update}) and OAuth 2.0 token
 * endpoint, on {@code 127.0.0.1} with an
 * ephemeral port, over real HTTP.
 *
 * <pre>{@code
 * try (FakeSheetsServer sheets = FakeSheetsServer.start()) {
 *     TestServiceAccount account = sheets.newServiceAccount();
 *     sheets.createSpreadsheet("1AbC");
 *     RecipeEngine engine = RecipeEngine.builder()
 *             .config("google-sheets.api-url", sheets.apiUrl())
 *             .config("google-sheets.token-url", sheets.tokenUrl())
 *             .recipe(recipe)
 *             .build();
 *     engine.connections().put(account.connection());
 *     // ... publish an event, engine.awaitIdle(...)
 *     assertThat(sheets.rows("1AbC", "Log")).containsExactly(List.of("order #42", 19.5));
 * }
 * }</pre>
 *
 * <p>It checks what Google checks, and answers in Google's shapes:
 * <ul>
 *   <li>{@code POST /token}: the form's {@code grant_type} must be the JWT bearer URN; the
 *       JWT must be RS256-signed by a key registered for its {@code iss}, name
 *       {@link #tokenUrl()} as {@code aud}, live at most an hour and not be expired by the
 *       fake's clock, and ask for a scope. It answers
 *       {@code {"access_token":"ya29.…","expires_in":3599,"token_type":"Bearer"}}, or an RFC
 *       6749 error such as {@code invalid_grant} with status 400.</li>
 *   <li>{@code POST /v4/spreadsheets/{id}/values/{range}:append}: the bearer token must be one
 *       it issued, unexpired and with a Sheets or Drive scope (else 401 or 403); the
 *       {@code valueInputOption} query parameter is required ({@code RAW} or
 *       {@code USER_ENTERED}); the spreadsheet must exist (else 404) and the range must parse
 *       (else 400). Rows go after the sheet's last row. They start at the range's first column
 *       when the range's first corner names a row ({@code Log!A1}, {@code Log!C5:F});
 *       otherwise ({@code Log}, {@code Log!A:Z}) the fake detects the table as Google does,
 *       and rows start in the leftmost column holding data in the range, shifting right when
 *       the data starts right of the range's first column. The answer is an
 *       {@code AppendValuesResponse}, without {@code tableRange} when the sheet was empty.</li>
 *   <li>{@code PUT /v4/spreadsheets/{id}/values/{range}}: the same checks as for an append;
 *       the rows are written from the range's first cell, and must fit a range with an end
 *       (else 400 "Requested writing within range"); a single cell is where they start. The
 *       answer is an {@code UpdateValuesResponse}.</li>
 *   <li>{@code GET /v4/spreadsheets/{id}/values/{range}}: the same token checks, where a
 *       read-only scope also does; {@code majorDimension} ({@code ROWS} by default, or
 *       {@code COLUMNS}) and {@code valueRenderOption} ({@code FORMATTED_VALUE} by default,
 *       {@code UNFORMATTED_VALUE} or {@code FORMULA}) must be valid (else 400); the
 *       spreadsheet must exist (else 404) and the range must parse and name a sheet it has
 *       (else 400). It answers a {@code ValueRange} of what is stored, such as a whole column
 *       ({@code Log!F:F}), whole rows ({@code Log!2:3}) or a block ({@code Log!A1:D5}),
 *       leaving out trailing empty cells and lines, and {@code values} altogether when the
 *       block is empty. Its {@code range} ends a side left open at the sheet's last row or
 *       column with data, where Google would name the end of the sheet's grid. Formatted
 *       values are approximate: numbers as plain decimals, booleans as {@code TRUE} and
 *       {@code FALSE}.</li>
 * </ul>
 *
 * <p>Spreadsheets are made with {@link #createSpreadsheet(String, String...)}, or on first
 * use when built with {@link Builder#autoCreateSpreadsheets(boolean)}.
 *
 * <p>Append faults, to test how a client copes, come before any check and write no row. The
 * one-shot faults, {@link #failNextAppend(int)} and its overloads (an error answer),
 * {@link #hangNextAppend(Duration)} (a 503 after a hold, for client timeouts) and
 * {@link #dropNextAppend()} (a connection closed without an answer), share one queue: each
 * append takes the oldest queued fault. {@link #failAfterWriteNextAppend(int)} is queued with
 * them but comes after the write: the row is stored and the client gets an error, the case of
 * an outcome the client cannot know. Only an append that finds the queue empty draws from
 * {@link #failAppendsRandomly(double, int, long)}. Reads have their own queue,
 * {@link #failNextGet(int)}. Thread-safe.
 */
public final class FakeSheetsServer implements AutoCloseable {

    static final String TOKEN_PATH = "/token";

    private static final Logger LOG = LoggerFactory.getLogger(FakeSheetsServer.class);

    // The JDK server writes a response's headers and body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK, adding about 40 ms to every answer. The JDK reads
    // the property once, when its first server starts, so it is set here unless already set.
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
    // Google sets no hard limit on a request (it recommends 2 MB at most); the fake refuses
    // bodies past 16 MiB with 413 only to bound its own memory.
    private static final int MAX_BODY_BYTES = 16 << 20;
    private static final int MAX_RECORDED = 10_000;
    private static final Pattern APPEND_PATH =
            Pattern.compile("/v4/spreadsheets/([^/]+)/values/([^/]+):append");
    private static final Pattern VALUES_PATH =
            Pattern.compile("/v4/spreadsheets/([^/]+)/values/([^/]+)");
    private static final Set<String> WRITE_SCOPES = Set.of(
            "https://www.googleapis.com/auth/spreadsheets",
            "https://www.googleapis.com/auth/drive",
            "https://www.googleapis.com/auth/drive.file");
    private static final Set<String> READ_SCOPES = Set.of(
            "https://www.googleapis.com/auth/spreadsheets",
            "https://www.googleapis.com/auth/spreadsheets.readonly",
            "https://www.googleapis.com/auth/drive",
            "https://www.googleapis.com/auth/drive.readonly",
            "https://www.googleapis.com/auth/drive.file");
    private static final Set<String> RENDER_OPTIONS = Set.of("FORMATTED_VALUE",
            "UNFORMATTED_VALUE", "FORMULA");
    private static final Pattern SPREADSHEET_ID = Pattern.compile("[A-Za-z0-9_-]+");
    private static final int MAX_SHEET_NAME = 100;
    /** The longest {@link #hangNextAppend(Duration)} hold, the Sheets client's top timeout. */
    private static final Duration MAX_HOLD = Duration.ofMinutes(10);
    /** RFC 9110 token characters besides letters and digits. */
    private static final String SUBJECT = "fake sheets server";
    /** Response headers the server writes itself, to frame the body. */
    private static final Set<String> FRAMING_HEADERS = Set.of("content-length",
            "transfer-encoding");
    private static final AtomicInteger ACCOUNTS = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService executor;
    /** Answers held appends when their hold ends; its one thread starts on first use. */
    private final ScheduledExecutorService holds;
    private final Clock clock;
    private final boolean autoCreate;
    private final Duration tokenLifetime;
    /** Write requests allowed per minute of the fake's clock; 0 for no quota. */
    private final int writeQuota;
    /** When the current quota minute started, or null before the first write; guarded by lock. */
    private Instant quotaMinute;
    /** Write requests let through in the current quota minute; guarded by lock. */
    private int quotaUsed;
    private final AtomicInteger quotaRefusals = new AtomicInteger();
    private final String baseUrl;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger appendRequests = new AtomicInteger();
    private final AtomicInteger readRequests = new AtomicInteger();
    private final AtomicInteger updateRequests = new AtomicInteger();
    private final AtomicInteger failedAppends = new AtomicInteger();
    private final Object lock = new Object();
    private final Map<String, List<PublicKey>> accounts = new HashMap<>();
    private final Map<String, IssuedToken> tokens = new HashMap<>();
    private final Map<String, Spreadsheet> spreadsheets = new HashMap<>();
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
    private final Deque<Reply> appendFaults = new ArrayDeque<>();
    private final Deque<Answer> readFaults = new ArrayDeque<>();
    /** Appends held by {@link #hangNextAppend}, until answered or cut; guarded by lock. */
    private final Set<HttpExchange> held = new HashSet<>();
    /** Set by {@link #close()}; guarded by lock. */
    private boolean closed;
    private final Deque<Answer> tokenFailures = new ArrayDeque<>();
    /** Random append faults, or null when off; guarded by lock. */
    private RandomFaults randomFaults;

    private record IssuedToken(String clientEmail, Set<String> scopes, Instant expiresAt) {
    }

    /**
     * How the fake replies to a request: an answer at once or after a hold, or, with no
     * answer, by closing the connection. A fault that comes after the write is answered only
     * once the append has stored its row.
     */
    private record Reply(Answer answer, Duration hold, boolean afterWrite) {

        static final Reply DROP = new Reply(null, Duration.ZERO, false);

        static Reply now(Answer answer) {
            return new Reply(answer, Duration.ZERO, false);
        }

        boolean drops() {
            return answer == null;
        }
    }

    /** Fails a share of appends; the random is used under the server's lock. */
    private record RandomFaults(double rate, Answer answer, Random random) {

        boolean strikes() {
            return random.nextDouble() < rate;
        }
    }

    private FakeSheetsServer(Builder builder) {
        this.clock = builder.clock;
        this.autoCreate = builder.autoCreate;
        this.tokenLifetime = builder.tokenLifetime;
        this.writeQuota = builder.writeQuota;
        this.executor = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "fake-sheets");
            thread.setDaemon(true);
            return thread;
        });
        this.holds = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "fake-sheets-holds");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            holds.shutdownNow();
            throw new UncheckedIOException("fake sheets server: cannot listen on loopback", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Starts a fake on the system clock, with no spreadsheets until they are created.
     *
     * @return the running fake; close it when done
     */
    public static FakeSheetsServer start() {
        return builder().start();
    }

    /**
     * Starts configuring a fake.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the base URL of the Sheets API, for config {@code google-sheets.api-url}.
     *
     * @return such as {@code http://127.0.0.1:41234}
     */
    public String apiUrl() {
        return baseUrl;
    }

    /**
     * Returns the token endpoint's URL, for config {@code google-sheets.token-url} and the key
     * file's {@code token_uri}; JWTs must name it as their audience.
     *
     * @return such as {@code http://127.0.0.1:41234/token}
     */
    public String tokenUrl() {
        return baseUrl + TOKEN_PATH;
    }

    /**
     * Lets a service account sign in with a key. An account may have several keys.
     *
     * @param clientEmail the account's email, the JWT's {@code iss}
     * @param publicKey the RSA public key its JWTs are checked with
     * @throws IllegalArgumentException if the email does not look like an email
     */
    public void registerServiceAccount(String clientEmail, PublicKey publicKey) {
        TestServiceAccount.requireEmail(clientEmail, "fake sheets server");
        Objects.requireNonNull(publicKey, "publicKey");
        synchronized (lock) {
            accounts.computeIfAbsent(clientEmail, email -> new ArrayList<>()).add(publicKey);
        }
    }

    /**
     * Generates a service account whose key file points at this fake, and registers it.
     *
     * @return the account
     */
    public TestServiceAccount newServiceAccount() {
        return newServiceAccount("recipes-test-" + ACCOUNTS.incrementAndGet()
                + "@recipes-test.iam.gserviceaccount.com");
    }

    /**
     * Generates a service account with the given email whose key file points at this fake,
     * and registers it.
     *
     * @param clientEmail the account's email, such as
     *     {@code robot@my-project.iam.gserviceaccount.com}
     * @return the account
     * @throws IllegalArgumentException if the email does not look like an email
     */
    public TestServiceAccount newServiceAccount(String clientEmail) {
        return TestServiceAccount.generate(clientEmail, tokenUrl()).registerWith(this);
    }

    /**
     * Creates an empty spreadsheet, replacing one with the same id.
     *
     * @param spreadsheetId the id: letters, digits, {@code -} and {@code _}, as Google's are
     * @param sheetNames the sheets it has; appends to any other sheet get 400 "Unable to parse
     *     range". With no names, any sheet is created on its first append. Each name is
     *     non-blank, at most 100 characters, without control characters or {@code !} (a name
     *     with {@code !} reads as a range, such as {@code Log!A1}), and unique regardless of case
     * @throws IllegalArgumentException if the id or a sheet name is not one Google would take
     */
    public void createSpreadsheet(String spreadsheetId, String... sheetNames) {
        requireSpreadsheetId(spreadsheetId);
        Spreadsheet created = new Spreadsheet(spreadsheetId,
                requireSheetNames(spreadsheetId, sheetNames));
        synchronized (lock) {
            spreadsheets.put(spreadsheetId, created);
        }
    }

    /**
     * Returns the rows of a sheet, in order. Cells are {@code String}, {@code Long},
     * {@code Double} or {@code Boolean}; JSON null was written as {@code ""}, and columns left
     * of where a row started are {@code ""}.
     *
     * @param spreadsheetId the spreadsheet's id
     * @param sheetName the sheet's name, unquoted
     * @return an immutable copy; empty if the spreadsheet or sheet does not exist
     */
    public List<List<Object>> rows(String spreadsheetId, String sheetName) {
        Objects.requireNonNull(spreadsheetId, "spreadsheetId");
        Objects.requireNonNull(sheetName, "sheetName");
        synchronized (lock) {
            Spreadsheet spreadsheet = spreadsheets.get(spreadsheetId);
            return spreadsheet == null ? List.of() : spreadsheet.rows(sheetName);
        }
    }

    /**
     * Replaces the rows of a sheet, as a person editing it would: for tests of triggers that
     * read the sheet, such as inserting, deleting, editing or sorting rows.
     *
     * @param spreadsheetId the id of a spreadsheet created before
     * @param sheetName the sheet's name, unquoted; created if the spreadsheet has none of that
     *     name
     * @param rows the rows, in order; cells are {@code String}, {@code Long}, {@code Double}
     *     or {@code Boolean}, and {@code ""} is an empty cell
     * @throws IllegalArgumentException if the spreadsheet does not exist or a cell is of
     *     another type
     */
    public void replaceRows(String spreadsheetId, String sheetName, List<List<Object>> rows) {
        Objects.requireNonNull(sheetName, "sheetName");
        Objects.requireNonNull(rows, "rows");
        rows.forEach(row -> row.forEach(cell -> {
            if (!(cell instanceof String || cell instanceof Long || cell instanceof Double
                    || cell instanceof Boolean)) {
                throw new IllegalArgumentException("fake sheets server: cell " + cell
                        + " is not a String, Long, Double or Boolean");
            }
        }));
        synchronized (lock) {
            Spreadsheet spreadsheet = spreadsheets.get(spreadsheetId);
            if (spreadsheet == null) {
                throw new IllegalArgumentException("fake sheets server: no spreadsheet '"
                        + spreadsheetId + "'; create it first");
            }
            spreadsheet.replaceRows(sheetName, rows);
        }
    }

    /**
     * Returns the requests received, oldest first; only the latest 10,000 are kept.
     *
     * @return an immutable copy
     */
    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(recorded);
        }
    }

    /**
     * Returns how many requests reached the token endpoint, granted or not.
     *
     * @return the count
     */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /**
     * Returns how many append requests arrived, successful or not.
     *
     * @return the count
     */
    public int appendRequests() {
        return appendRequests.get();
    }

    /**
     * Returns how many read ({@code values.get}) requests arrived, successful or not.
     *
     * @return the count
     */
    public int readRequests() {
        return readRequests.get();
    }

    /**
     * Returns how many update ({@code PUT values.update}) requests arrived, successful or not.
     *
     * @return the count
     */
    public int updateRequests() {
        return updateRequests.get();
    }

    /**
     * Makes the next append request fail with a Google-shaped error for a status, before any
     * check. Calls queue up, with the other one-shot faults: two calls fail the next two
     * appends.
     *
     * @param status an HTTP status, 400 to 599, such as 429 or 503
     */
    public void failNextAppend(int status) {
        Answer error = Answer.googleError(requireStatus(status), googleStatus(status),
                "Injected failure " + status + " by the fake");
        queueFault(Reply.now(error));
    }

    /**
     * Makes the next append request fail with the given answer, before any check.
     *
     * @param status an HTTP status, 400 to 599
     * @param body the JSON body, such as Google's error JSON
     */
    public void failNextAppend(int status, String body) {
        failNextAppend(status, body, Map.of());
    }

    /**
     * Makes the next append request fail with the given answer and headers, before any check.
     *
     * @param status an HTTP status, 400 to 599
     * @param body the JSON body, such as Google's error JSON
     * @param headers extra headers, such as {@code Retry-After}; {@code Map.of()} for none.
     *     {@code Content-Type} replaces the fake's {@code application/json}
     * @throws IllegalArgumentException if the status is not 400 to 599, a header name is not an
     *     HTTP token or is {@code Content-Length} or {@code Transfer-Encoding}, or a value holds
     *     a line break or another control character
     */
    public void failNextAppend(int status, String body, Map<String, String> headers) {
        Answer answer = new Answer(requireStatus(status), Objects.requireNonNull(body, "body"),
                requireHeaders(headers));
        queueFault(Reply.now(answer));
    }

    /**
     * Makes the next append request wait, then fail with Google's 503 {@code UNAVAILABLE}
     * without writing a row, so that a client whose request timeout is shorter than the hold
     * gives up first. The hold is real time, not the fake's clock, and takes none of the
     * fake's request threads: other requests are answered meanwhile. {@link #close()} cuts a
     * held request's connection at once. One-shot, queued with the other one-shot faults.
     *
     * @param delay how long to hold the request, positive and at most 10 minutes
     * @throws IllegalArgumentException if the delay is not positive or longer than 10 minutes
     */
    public void hangNextAppend(Duration delay) {
        Objects.requireNonNull(delay, "fake sheets server: hang delay is null");
        if (delay.isNegative() || delay.isZero() || delay.compareTo(MAX_HOLD) > 0) {
            throw new IllegalArgumentException("fake sheets server: hang delay " + delay
                    + " is not positive and at most " + MAX_HOLD);
        }
        queueFault(new Reply(Answer.googleError(503, "UNAVAILABLE",
                "The service is currently unavailable."), delay, false));
    }

    /**
     * Makes the next append request's connection close without any answer and without writing
     * a row, as when a proxy or the network drops it; the client sees an I/O error. One-shot,
     * queued with the other one-shot faults.
     */
    public void dropNextAppend() {
        queueFault(Reply.DROP);
    }

    /**
     * Makes the next append request store its row as usual, then answer a Google-shaped error
     * for a status instead of its success, as when Google writes the row and the answer is
     * lost or turns into a 503 on its way back: the client cannot tell whether the row was
     * written. An append that fails its own checks (a bad token, an unknown sheet) answers
     * that failure, writes nothing, and uses the fault up. One-shot, queued with the other
     * one-shot faults.
     *
     * @param status an HTTP status, 400 to 599, such as 503 or 504
     * @throws IllegalArgumentException if the status is not 400 to 599
     */
    public void failAfterWriteNextAppend(int status) {
        Answer error = Answer.googleError(requireStatus(status), googleStatus(status),
                "Injected failure " + status + " by the fake, after the row was written");
        queueFault(new Reply(error, Duration.ZERO, true));
    }

    /**
     * Makes the next read ({@code values.get}) request fail with a Google-shaped error for a
     * status, before any check. Calls queue up: two calls fail the next two reads. Appends do
     * not take these.
     *
     * @param status an HTTP status, 400 to 599, such as 429 or 503
     * @throws IllegalArgumentException if the status is not 400 to 599
     */
    public void failNextGet(int status) {
        Answer error = Answer.googleError(requireStatus(status), googleStatus(status),
                "Injected failure " + status + " by the fake");
        synchronized (lock) {
            readFaults.add(error);
        }
    }

    /**
     * Makes the next read ({@code values.get}) request fail with the given answer and headers,
     * before any check.
     *
     * @param status an HTTP status, 400 to 599
     * @param body the JSON body, such as Google's error JSON
     * @param headers extra headers, such as {@code Retry-After}; {@code Map.of()} for none
     * @throws IllegalArgumentException as {@link #failNextAppend(int, String, Map)} does
     */
    public void failNextGet(int status, String body, Map<String, String> headers) {
        Answer answer = new Answer(requireStatus(status), Objects.requireNonNull(body, "body"),
                requireHeaders(headers));
        synchronized (lock) {
            readFaults.add(answer);
        }
    }

    private void queueFault(Reply fault) {
        synchronized (lock) {
            appendFaults.add(fault);
        }
    }

    /**
     * Makes each append request from now on fail, with a probability, with a Google-shaped
     * error for a status, before any check and without writing a row. Whether an append fails
     * is drawn from a {@link Random} seeded with {@code seed}, one draw per append that a
     * one-shot fault ({@link #failNextAppend(int)}, {@link #hangNextAppend(Duration)},
     * {@link #dropNextAppend()}) does not answer first, so the n-th such append fails or not
     * the same way on every run (with concurrent appends, which request is the n-th may vary).
     * A new call replaces the previous rate, status and draws.
     *
     * @param rate the probability that an append fails, from 0 (none) to 1 (all)
     * @param status an HTTP status, 400 to 599, such as 429 or 503
     * @param seed the seed of the draws
     * @throws IllegalArgumentException if the rate is not within 0 to 1 or the status is not
     *     400 to 599
     */
    public void failAppendsRandomly(double rate, int status, long seed) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("fake sheets server: failure rate " + rate
                    + " is not a probability from 0 to 1, such as 0.2");
        }
        Answer error = Answer.googleError(requireStatus(status), googleStatus(status),
                "Injected random failure " + status + " by the fake");
        RandomFaults faults = new RandomFaults(rate, error, new Random(seed));
        synchronized (lock) {
            randomFaults = faults;
        }
    }

    /** Stops the failures of {@link #failAppendsRandomly}; one-shot failures stay queued. */
    public void stopFailingRandomly() {
        synchronized (lock) {
            randomFaults = null;
        }
    }

    /**
     * Returns how many append requests the fake failed on purpose, by
     * {@link #failNextAppend(int)} and its overloads, {@link #hangNextAppend(Duration)},
     * {@link #dropNextAppend()}, {@link #failAfterWriteNextAppend(int)} (whether or not the
     * append got as far as its write) or {@link #failAppendsRandomly}.
     *
     * @return the count
     */
    public int failedAppends() {
        return failedAppends.get();
    }

    /**
     * Returns how many write requests (appends and updates) the fake refused with 429 for the
     * quota set with {@link Builder#writeQuotaPerMinute(int)}.
     *
     * @return the count
     */
    public int quotaRefusals() {
        return quotaRefusals.get();
    }

    /**
     * Counts a write request against the per-minute quota: Google's 429
     * {@code RESOURCE_EXHAUSTED} answer (without {@code Retry-After}, as Google's usually has
     * none) when the minute's quota is used up, else null. The minute starts with the first
     * write after the previous one ended; refused requests do not count.
     */
    private Answer takeWriteQuota() {
        if (writeQuota == 0) {
            return null;
        }
        Instant now = clock.instant();
        synchronized (lock) {
            if (quotaMinute == null || !now.isBefore(quotaMinute.plus(Duration.ofMinutes(1)))) {
                quotaMinute = now;
                quotaUsed = 0;
            }
            if (quotaUsed < writeQuota) {
                quotaUsed++;
                return null;
            }
        }
        quotaRefusals.incrementAndGet();
        ObjectNode body = Answer.JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("code", 429)
                .put("message", "Quota exceeded for quota metric 'Write requests' and limit "
                        + "'Write requests per minute per user' of service "
                        + "'sheets.googleapis.com' for consumer 'project_number:0'.")
                .put("status", "RESOURCE_EXHAUSTED");
        ObjectNode info = error.putArray("details").addObject()
                .put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                .put("reason", "RATE_LIMIT_EXCEEDED").put("domain", "googleapis.com");
        info.putObject("metadata").put("service", "sheets.googleapis.com")
                .put("quota_limit_value", String.valueOf(writeQuota))
                .put("quota_limit", "WriteRequestsPerMinutePerUser")
                .put("quota_metric", "sheets.googleapis.com/write_requests");
        return Answer.json(429, body);
    }

    /**
     * Makes the next token request fail with the given answer, before any check.
     *
     * @param status an HTTP status, 400 to 599
     * @param body the JSON body, such as {@code {"error":"invalid_grant",...}}
     */
    public void failNextToken(int status, String body) {
        Answer answer = new Answer(requireStatus(status), Objects.requireNonNull(body, "body"),
                Map.of());
        synchronized (lock) {
            tokenFailures.add(answer);
        }
    }

    /** Makes every access token issued so far invalid, as when Google revokes them. */
    public void revokeTokens() {
        synchronized (lock) {
            tokens.clear();
        }
    }

    /**
     * Accepts an access token issued elsewhere, such as by {@link FakeGoogleOAuth} to a user,
     * as if this fake's token endpoint had issued it; {@link #revokeTokens()} drops it too.
     *
     * @param accessToken the bearer token
     * @param user who it was issued to, such as the user's email
     * @param scopes the scopes it grants
     * @param expiresAt when it stops being accepted
     */
    public void acceptAccessToken(String accessToken, String user, Set<String> scopes,
            Instant expiresAt) {
        IssuedToken issued = new IssuedToken(Objects.requireNonNull(user, "user"),
                Set.copyOf(scopes), Objects.requireNonNull(expiresAt, "expiresAt"));
        synchronized (lock) {
            tokens.put(Objects.requireNonNull(accessToken, "accessToken"), issued);
        }
    }

    /**
     * Stops the server at once, without waiting for held appends: requests in progress are cut
     * off. Calling it again does nothing more.
     */
    @Override
    public void close() {
        List<HttpExchange> cut;
        synchronized (lock) {
            closed = true;
            cut = List.copyOf(held);
            held.clear();
        }
        holds.shutdownNow();
        cut.forEach(HttpExchange::close);
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        boolean holding = false;
        try {
            byte[] body = readBody(exchange);
            RecordedRequest request = new RecordedRequest(exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders(), body == null ? ""
                    : new String(body, StandardCharsets.UTF_8));
            record(request);
            Reply reply = body == null ? Reply.now(Answer.googleError(413, "INVALID_ARGUMENT",
                    "Request payload too large")) : routeSafely(request);
            if (reply.drops()) {
                LOG.debug("Fake Sheets server: dropping {} {} without an answer",
                        request.method(), request.path());
            } else if (reply.hold().isZero()) {
                send(exchange, reply.answer());
            } else {
                holding = hold(exchange, reply);
            }
        } catch (IOException e) {
            LOG.debug("Fake Sheets server: exchange failed", e);
        } finally {
            // Closing an exchange whose answer was not started closes its connection, which is
            // how a dropped append, or one held when the fake closes, is cut off.
            if (!holding) {
                exchange.close();
            }
        }
    }

    private void record(RecordedRequest request) {
        synchronized (lock) {
            if (recorded.size() == MAX_RECORDED) {
                recorded.removeFirst();
            }
            recorded.addLast(request);
        }
    }

    /** Answers a request when its hold ends, from the holds thread; false once closed. */
    private boolean hold(HttpExchange exchange, Reply reply) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            held.add(exchange);
            holds.schedule(() -> release(exchange, reply.answer()), reply.hold().toNanos(),
                    TimeUnit.NANOSECONDS);
            return true;
        }
    }

    private void release(HttpExchange exchange, Answer answer) {
        synchronized (lock) {
            if (!held.remove(exchange)) {
                return;
            }
        }
        try (exchange) {
            send(exchange, answer);
        } catch (IOException e) {
            LOG.debug("Fake Sheets server: the client of a held append is gone", e);
        }
    }

    private Reply routeSafely(RecordedRequest request) {
        try {
            return route(request);
        } catch (RuntimeException e) {
            LOG.error("Fake Sheets server: handling {} {} failed", request.method(),
                    request.path(), e);
            return Reply.now(Answer.googleError(500, "INTERNAL", "The fake failed: " + e));
        }
    }

    private Reply route(RecordedRequest request) {
        if (request.isTokenRequest()) {
            tokenRequests.incrementAndGet();
            return Reply.now("POST".equals(request.method()) ? token(request)
                    : Answer.oauthError(405, "invalid_request", "POST is required"));
        }
        Matcher append = APPEND_PATH.matcher(request.path());
        if (append.matches() && "POST".equals(request.method())) {
            appendRequests.incrementAndGet();
            Reply fault = takeAppendFault();
            if (fault == null || fault.afterWrite()) {
                Answer overQuota = takeWriteQuota();
                if (overQuota != null) {
                    return Reply.now(overQuota);
                }
                Answer answer = append(request, append.group(1), append.group(2));
                return Reply.now(fault != null && answer.status() / 100 == 2 ? fault.answer()
                        : answer);
            }
            return fault;
        }
        Matcher values = VALUES_PATH.matcher(request.path());
        if (values.matches() && !append.matches() && "PUT".equals(request.method())) {
            updateRequests.incrementAndGet();
            Answer overQuota = takeWriteQuota();
            return Reply.now(overQuota != null ? overQuota
                    : update(request, values.group(1), values.group(2)));
        }
        if (values.matches() && !append.matches() && "GET".equals(request.method())) {
            readRequests.incrementAndGet();
            Answer fault;
            synchronized (lock) {
                fault = readFaults.poll();
            }
            return Reply.now(fault != null ? fault
                    : read(request, values.group(1), values.group(2)));
        }
        return Reply.now(Answer.googleError(404, "NOT_FOUND", "The fake serves POST "
                + TOKEN_PATH + ", POST /v4/spreadsheets/{id}/values/{range}:append, GET and "
                + "PUT /v4/spreadsheets/{id}/values/{range}, not " + request.method() + " "
                + request.path()));
    }

    /** The oldest one-shot fault, else a random one if it strikes, else null. */
    private Reply takeAppendFault() {
        synchronized (lock) {
            Reply fault = appendFaults.poll();
            if (fault == null && randomFaults != null && randomFaults.strikes()) {
                fault = Reply.now(randomFaults.answer());
            }
            if (fault != null) {
                failedAppends.incrementAndGet();
            }
            return fault;
        }
    }

    private Answer token(RecordedRequest request) {
        Map<String, List<PublicKey>> known;
        synchronized (lock) {
            Answer failure = tokenFailures.poll();
            if (failure != null) {
                return failure;
            }
            known = Map.copyOf(accounts);
        }
        Instant now = clock.instant();
        TokenGrant.Outcome outcome = TokenGrant.check(request.body(), known, tokenUrl(), now);
        if (outcome.refusal() != null) {
            return outcome.refusal();
        }
        String token = "ya29." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(randomBytes(32));
        synchronized (lock) {
            tokens.put(token, new IssuedToken(outcome.clientEmail(), outcome.scopes(),
                    now.plus(tokenLifetime)));
        }
        return Answer.json(200, Answer.JSON.createObjectNode().put("access_token", token)
                .put("expires_in", tokenLifetime.toSeconds()).put("token_type", "Bearer"));
    }

    private Answer append(RecordedRequest request, String rawId, String rawRange) {
        Answer refused = checkToken(request, WRITE_SCOPES);
        if (refused != null) {
            return refused;
        }
        Map<String, String> query = parseQuery(request.query());
        String option = query.get("valueInputOption");
        if (option == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT",
                    "'valueInputOption' is required but not specified");
        }
        if (!option.equals("RAW") && !option.equals("USER_ENTERED")) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid value at "
                    + "'value_input_option' (type.googleapis.com/google.apps.sheets.v4."
                    + "ValueInputOption), \"" + option + "\"");
        }
        String insert = query.getOrDefault("insertDataOption", "OVERWRITE");
        if (!insert.equals("OVERWRITE") && !insert.equals("INSERT_ROWS")) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid value at "
                    + "'insert_data_option' (type.googleapis.com/google.apps.sheets.v4."
                    + "AppendValuesRequest.InsertDataOption), \"" + insert + "\"");
        }
        String spreadsheetId = percentDecode(rawId);
        String range = percentDecode(rawRange);
        SheetRange parsed = range == null ? null : SheetRange.parse(range);
        if (spreadsheetId == null || parsed == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Unable to parse range: "
                    + (range == null ? rawRange : range));
        }
        return write(spreadsheetId, range, parsed, request.body(), option.equals("USER_ENTERED"),
                false);
    }

    private Answer checkToken(RecordedRequest request, Set<String> scopes) {
        String authorization = request.header("Authorization").orElse("");
        String token = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
        IssuedToken issued;
        synchronized (lock) {
            issued = tokens.get(token);
        }
        if (issued == null || !clock.instant().isBefore(issued.expiresAt())) {
            return Answer.googleError(401, "UNAUTHENTICATED", "Request had invalid "
                    + "authentication credentials. Expected OAuth 2 access token, login cookie "
                    + "or other valid authentication credential. See "
                    + "https://developers.google.com/identity/sign-in/web/devconsole-project.");
        }
        if (issued.scopes().stream().noneMatch(scopes::contains)) {
            return Answer.googleError(403, "PERMISSION_DENIED",
                    "Request had insufficient authentication scopes.");
        }
        return null;
    }

    private Answer read(RecordedRequest request, String rawId, String rawRange) {
        Answer refused = checkToken(request, READ_SCOPES);
        if (refused != null) {
            return refused;
        }
        Map<String, String> query = parseQuery(request.query());
        String dimension = query.getOrDefault("majorDimension", "ROWS");
        if (!dimension.equals("ROWS") && !dimension.equals("COLUMNS")) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid value at "
                    + "'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), "
                    + "\"" + dimension + "\"");
        }
        String render = query.getOrDefault("valueRenderOption", "FORMATTED_VALUE");
        if (!RENDER_OPTIONS.contains(render)) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid value at "
                    + "'value_render_option' (type.googleapis.com/google.apps.sheets.v4."
                    + "ValueRenderOption), \"" + render + "\"");
        }
        String spreadsheetId = percentDecode(rawId);
        String range = percentDecode(rawRange);
        SheetRange parsed = range == null ? null : SheetRange.parse(range);
        if (spreadsheetId == null || parsed == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Unable to parse range: "
                    + (range == null ? rawRange : range));
        }
        synchronized (lock) {
            Spreadsheet spreadsheet = spreadsheets.get(spreadsheetId);
            if (spreadsheet == null && autoCreate) {
                spreadsheet = new Spreadsheet(spreadsheetId, List.of());
            }
            if (spreadsheet == null) {
                return Answer.googleError(404, "NOT_FOUND", "Requested entity was not found.");
            }
            if (!spreadsheet.hasSheet(parsed.sheet())) {
                return Answer.googleError(400, "INVALID_ARGUMENT", "Unable to parse range: "
                        + range);
            }
            return Answer.json(200, spreadsheet.read(parsed, dimension.equals("COLUMNS"),
                    render.equals("FORMATTED_VALUE")));
        }
    }

    private Answer write(String spreadsheetId, String range, SheetRange parsed, String body,
            boolean userEntered, boolean update) {
        JsonNode request;
        try {
            request = Answer.JSON.readTree(body);
        } catch (IOException e) {
            request = null;
        }
        if (request == null || !request.isObject()) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }
        if (request.hasNonNull("range") && !range.equals(request.get("range").asText())) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Requested writing within range ["
                    + range + "], but tried writing to [" + request.get("range").asText() + "]");
        }
        List<JsonNode> rows = rows(request);
        if (rows == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid values: 'values' must "
                    + "be an array of arrays of strings, numbers, booleans or nulls, and "
                    + "'majorDimension' ROWS or COLUMNS");
        }
        synchronized (lock) {
            Spreadsheet spreadsheet = spreadsheets.get(spreadsheetId);
            if (spreadsheet == null && autoCreate) {
                spreadsheet = new Spreadsheet(spreadsheetId, List.of());
                spreadsheets.put(spreadsheetId, spreadsheet);
            }
            if (spreadsheet == null) {
                return Answer.googleError(404, "NOT_FOUND", "Requested entity was not found.");
            }
            if (!spreadsheet.hasSheet(parsed.sheet())) {
                return Answer.googleError(400, "INVALID_ARGUMENT", "Unable to parse range: "
                        + range);
            }
            if (!update) {
                return Answer.json(200, spreadsheet.append(parsed, SheetRange.startsAtRow(range),
                        rows, userEntered));
            }
            ObjectNode updated = spreadsheet.update(parsed, rows, userEntered);
            return updated != null ? Answer.json(200, updated) : Answer.googleError(400,
                    "INVALID_ARGUMENT", "Requested writing within range [" + range + "], but "
                    + "tried writing beyond it");
        }
    }

    private Answer update(RecordedRequest request, String rawId, String rawRange) {
        Answer refused = checkToken(request, WRITE_SCOPES);
        if (refused != null) {
            return refused;
        }
        String option = parseQuery(request.query()).get("valueInputOption");
        if (option == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT",
                    "'valueInputOption' is required but not specified");
        }
        if (!option.equals("RAW") && !option.equals("USER_ENTERED")) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Invalid value at "
                    + "'value_input_option' (type.googleapis.com/google.apps.sheets.v4."
                    + "ValueInputOption), \"" + option + "\"");
        }
        String spreadsheetId = percentDecode(rawId);
        String range = percentDecode(rawRange);
        SheetRange parsed = range == null ? null : SheetRange.parse(range);
        if (spreadsheetId == null || parsed == null) {
            return Answer.googleError(400, "INVALID_ARGUMENT", "Unable to parse range: "
                    + (range == null ? rawRange : range));
        }
        if (range.substring(range.lastIndexOf('!') + 1).indexOf(':') < 0) {
            // One cell, or a whole sheet, is where the values start; they may extend from it.
            parsed = new SheetRange(parsed.sheet(), parsed.firstColumn(), SheetRange.OPEN,
                    parsed.firstRow(), SheetRange.OPEN);
        }
        return write(spreadsheetId, range, parsed, request.body(), option.equals("USER_ENTERED"),
                true);
    }

    private static List<JsonNode> rows(JsonNode request) {
        String dimension = request.path("majorDimension").asText("ROWS");
        JsonNode values = request.path("values");
        if (values.isMissingNode()) {
            return List.of();
        }
        if (!values.isArray() || !dimension.equals("ROWS") && !dimension.equals("COLUMNS")) {
            return null;
        }
        List<JsonNode> lines = new ArrayList<>();
        for (JsonNode line : values) {
            if (!line.isArray()) {
                return null;
            }
            for (JsonNode cell : line) {
                if (cell.isContainerNode()) {
                    return null;
                }
            }
            lines.add(line);
        }
        return dimension.equals("ROWS") ? lines : transpose(lines);
    }

    private static List<JsonNode> transpose(List<JsonNode> columns) {
        int height = columns.stream().mapToInt(JsonNode::size).max().orElse(0);
        List<JsonNode> rows = new ArrayList<>(height);
        for (int r = 0; r < height; r++) {
            ArrayNode row = Answer.JSON.createArrayNode();
            for (JsonNode column : columns) {
                row.add(r < column.size() ? column.get(r) : Answer.JSON.nullNode());
            }
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, String> parseQuery(String query) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                try {
                    fields.putIfAbsent(URLDecoder.decode(pair.substring(0, equals),
                            StandardCharsets.UTF_8), URLDecoder.decode(
                            pair.substring(equals + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // a malformed pair is ignored, as if absent
                }
            }
        }
        return fields;
    }

    /** Decodes %XX escapes of a path segment; '+' stays '+'. Returns null when malformed. */
    private static String percentDecode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    return null;
                }
                int high = Character.digit(segment.charAt(i + 1), 16);
                int low = Character.digit(segment.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return null;
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            return body.length > MAX_BODY_BYTES ? null : body;
        }
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        answer.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static int requireStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("fake sheets server: status " + status
                    + " is not an error status (400 to 599)");
        }
        return status;
    }

    private static void requireSpreadsheetId(String spreadsheetId) {
        Objects.requireNonNull(spreadsheetId, "spreadsheetId");
        if (!SPREADSHEET_ID.matcher(spreadsheetId).matches()) {
            throw new IllegalArgumentException("fake sheets server: spreadsheet id '"
                    + escape(spreadsheetId) + "' is not a Google spreadsheet id; use letters, "
                    + "digits, '-' and '_', such as 1AbCsheet");
        }
    }

    private static List<String> requireSheetNames(String spreadsheetId, String[] sheetNames) {
        String subject = "fake sheets server: spreadsheet '" + spreadsheetId + "': ";
        Objects.requireNonNull(sheetNames, () -> subject + "sheet names array is null");
        Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < sheetNames.length; i++) {
            int index = i;
            String name = Objects.requireNonNull(sheetNames[i],
                    () -> subject + "sheet name at index " + index + " is null");
            String problem = sheetNameProblem(name);
            if (problem == null && !seen.add(name)) {
                problem = "is given twice (names are unique regardless of case)";
            }
            if (problem != null) {
                throw new IllegalArgumentException(subject + "sheet name '" + escape(name) + "' "
                        + problem);
            }
        }
        return List.of(sheetNames);
    }

    private static String sheetNameProblem(String name) {
        if (name.isBlank()) {
            return "is blank";
        }
        if (name.length() > MAX_SHEET_NAME) {
            return "is longer than " + MAX_SHEET_NAME + " characters";
        }
        if (name.indexOf('!') >= 0) {
            return "holds '!'; give the sheet's name, not a range";
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            return "holds a control character";
        }
        return null;
    }

    private static Map<String, String> requireHeaders(Map<String, String> headers) {
        Objects.requireNonNull(headers, "fake sheets server: headers is null; give Map.of() "
                + "for none");
        headers.forEach((name, value) -> {
            HeaderChecks.requireName(SUBJECT, name);
            if (FRAMING_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("fake sheets server: header '" + name
                        + "' cannot be set; the fake frames the body itself");
            }
            HeaderChecks.requireValue(SUBJECT, name, value);
        });
        return headers;
    }

    private static String escape(String text) {
        return HeaderChecks.escape(text);
    }

    private static String googleStatus(int status) {
        return switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 409 -> "ABORTED";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 501 -> "UNIMPLEMENTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        };
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "FakeSheetsServer[" + baseUrl + "]";
    }

    /** Configures a {@link FakeSheetsServer}. */
    public static final class Builder {

        private Clock clock = Clock.systemUTC();
        private boolean autoCreate;
        private Duration tokenLifetime = Duration.ofSeconds(3599);
        private int writeQuota;

        private Builder() {
        }

        /**
         * Sets a write quota, as Google's "write requests per minute per user": once this many
         * appends and updates got through within a minute of the fake's clock, more get 429
         * {@code RESOURCE_EXHAUSTED} (with no {@code Retry-After}, as Google's usually has none)
         * until the minute ends. A minute starts with the first write after the previous minute
         * ended; refused requests do not count. Off by default. Google's default is 60.
         *
         * @param requests the writes allowed per minute, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code requests} is below 1
         */
        public Builder writeQuotaPerMinute(int requests) {
            if (requests < 1) {
                throw new IllegalArgumentException("fake sheets server: write quota " + requests
                        + " per minute must be at least 1");
            }
            this.writeQuota = requests;
            return this;
        }

        /**
         * Sets the clock JWTs and tokens are checked against; the system clock by default.
         * Give it the engine's clock when a test moves time.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Sets whether an append to an unknown spreadsheet creates it (with any sheet made on
         * first write) instead of answering 404, and a read of one finds it empty; off by
         * default, as at Google.
         *
         * @param autoCreate {@code true} to create spreadsheets on first use
         * @return this builder
         */
        public Builder autoCreateSpreadsheets(boolean autoCreate) {
            this.autoCreate = autoCreate;
            return this;
        }

        /**
         * Sets how long issued access tokens live; 3599 seconds by default, as at Google.
         *
         * @param lifetime a positive duration of whole seconds
         * @return this builder
         * @throws IllegalArgumentException if the lifetime is not a positive number of seconds
         */
        public Builder tokenLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "fake sheets server: token lifetime is null");
            if (lifetime.isNegative() || lifetime.isZero() || lifetime.getNano() != 0) {
                throw new IllegalArgumentException("fake sheets server: token lifetime "
                        + lifetime + " must be a positive number of seconds");
            }
            this.tokenLifetime = lifetime;
            return this;
        }

        /**
         * Starts the fake.
         *
         * @return the running fake; close it when done
         * @throws UncheckedIOException if it cannot listen on the loopback address
         */
        public FakeSheetsServer start() {
            return new FakeSheetsServer(this);
        }
    }
}
