package dev.recipes.testkit.http;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a {@link FakeHttpServer} answers one request: a status with headers and a body, at once
 * or after a delay, or no answer at all, with the connection closed.
 *
 * <pre>{@code
 * Reply.json(200, "{\"ok\":true}")
 * Reply.status(429).withHeader("Retry-After", "7")
 * Reply.json(503, "{}").after(Duration.ofSeconds(2))
 * Reply.drop()
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@code with...} method returns a new reply.
 */
public final class Reply {

    /** The longest delay a reply may have. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(10);

    private static final String SUBJECT = "fake http reply";
    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";
    private static final Set<String> FRAMING_HEADERS = Set.of("content-length",
            "transfer-encoding", "connection");

    private final int status;
    private final Map<String, String> headers;
    private final byte[] body;
    private final Duration delay;
    private final boolean drops;

    private Reply(int status, Map<String, String> headers, byte[] body, Duration delay,
            boolean drops) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.delay = delay;
        this.drops = drops;
    }

    /**
     * Returns a reply with a status and no body.
     *
     * @param status an HTTP status from 200 to 599
     * @return the reply
     * @throws IllegalArgumentException if the status is out of range
     */
    public static Reply status(int status) {
        return new Reply(requireStatus(status), Map.of(), new byte[0], Duration.ZERO, false);
    }

    /**
     * Returns a reply with a JSON body and {@code Content-Type: application/json}.
     *
     * @param status an HTTP status from 200 to 599
     * @param json the body, written as UTF-8; not checked to be JSON, so that malformed
     *     answers can be faked too
     * @return the reply
     * @throws IllegalArgumentException if the status is out of range
     */
    public static Reply json(int status, String json) {
        return withBody(status, "application/json", Objects.requireNonNull(json, "json"));
    }

    /**
     * Returns a reply with a plain-text body and {@code Content-Type: text/plain;
     * charset=utf-8}.
     *
     * @param status an HTTP status from 200 to 599
     * @param text the body, written as UTF-8
     * @return the reply
     * @throws IllegalArgumentException if the status is out of range
     */
    public static Reply text(int status, String text) {
        return withBody(status, "text/plain; charset=utf-8", Objects.requireNonNull(text, "text"));
    }

    /**
     * Returns a reply that answers nothing and closes the connection, as when a network or a
     * proxy drops it; the client sees an I/O error.
     *
     * @return the reply
     */
    public static Reply drop() {
        return new Reply(0, Map.of(), new byte[0], Duration.ZERO, true);
    }

    private static Reply withBody(int status, String contentType, String body) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", contentType);
        return new Reply(requireStatus(status), Collections.unmodifiableMap(headers),
                body.getBytes(StandardCharsets.UTF_8), Duration.ZERO, false);
    }

    /**
     * Returns a copy with one more header, replacing one of the same name in any case.
     *
     * @param name an HTTP token, not {@code Content-Length}, {@code Transfer-Encoding} or
     *     {@code Connection}, which the server writes itself
     * @param value the value, without control characters and within ISO-8859-1
     * @return a new reply
     * @throws IllegalArgumentException if the name or value could not be sent
     * @throws IllegalStateException if this reply drops the connection and so sends no header
     */
    public Reply withHeader(String name, String value) {
        requireName(name);
        requireValue(name, value);
        if (drops) {
            throw new IllegalStateException(SUBJECT + ": a dropped connection sends no header '"
                    + name + "'");
        }
        Map<String, String> more = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        more.putAll(headers);
        more.put(name, value);
        return new Reply(status, Collections.unmodifiableMap(more), body, delay, false);
    }

    /**
     * Returns a copy that is sent (or, for {@link #drop()}, that closes the connection) only
     * after a delay, to test a client's timeout; the server's other requests are answered
     * meanwhile.
     *
     * @param delay from zero to {@link #MAX_DELAY}
     * @return a new reply
     * @throws IllegalArgumentException if the delay is negative or too long
     */
    public Reply after(Duration delay) {
        return new Reply(status, headers, body, requireDelay(delay), drops);
    }

    static Duration requireDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException(SUBJECT + ": delay " + delay
                    + " is not between zero and " + MAX_DELAY);
        }
        return delay;
    }

    /**
     * Returns the status.
     *
     * @return the HTTP status, or 0 for a reply that drops the connection
     */
    public int status() {
        return status;
    }

    /**
     * Returns the headers sent with the reply.
     *
     * @return an unmodifiable map, names compared without regard to case
     */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Returns the body.
     *
     * @return a copy of the bytes, empty for none
     */
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns how long the server waits before it answers.
     *
     * @return the delay, zero unless set with {@link #after(Duration)}
     */
    public Duration delay() {
        return delay;
    }

    /**
     * Tells whether the reply closes the connection without an answer.
     *
     * @return {@code true} for {@link #drop()}
     */
    public boolean drops() {
        return drops;
    }

    byte[] bodyBytes() {
        return body;
    }

    private static int requireStatus(int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException(SUBJECT + ": status " + status
                    + " is not a final HTTP status from 200 to 599");
        }
        return status;
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "name");
        boolean token = !name.isEmpty() && name.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0));
        if (!token) {
            throw new IllegalArgumentException(SUBJECT + ": header name '" + escape(name)
                    + "' is not an HTTP token (letters, digits and " + TOKEN_SYMBOLS + ")");
        }
        if (FRAMING_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(SUBJECT + ": header '" + name + "' is written "
                    + "by the server itself; drop() fakes a broken connection");
        }
    }

    private static void requireValue(String name, String value) {
        Objects.requireNonNull(value, () -> SUBJECT + ": header '" + name + "' value is null");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < ' ' || c == 0x7f || c > 0xff)) {
                throw new IllegalArgumentException(SUBJECT + ": header '" + name + "' value '"
                        + escape(value) + "' holds a control character or one outside "
                        + "ISO-8859-1 at index " + i);
            }
        }
    }

    private static String escape(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        text.chars().forEach(c -> shown.append(Character.isISOControl(c)
                ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return shown.toString();
    }

    /**
     * Shows the reply without its body.
     *
     * @return such as {@code Reply[429, headers [Retry-After], 0 bytes, after PT2S]}
     */
    @Override
    public String toString() {
        if (drops) {
            return "Reply[drop" + (delay.isZero() ? "" : ", after " + delay) + "]";
        }
        return "Reply[" + status + ", headers " + headers.keySet() + ", " + body.length
                + " bytes" + (delay.isZero() ? "" : ", after " + delay) + "]";
    }
}
