package dev.recipes.http.jdk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads HTTP/1.1 requests (RFC 9112), one at a time, from the bytes one connection receives,
 * in whatever pieces they arrive. The request line and headers are kept until the blank line
 * that ends them, then parsed at once; the body is read by its {@code Content-Length} or its
 * chunks. Strict where a lenient reading could let two parsers disagree on where a request ends
 * (request smuggling): lines end with CRLF only, no space before a header's colon, no folded
 * lines, no {@code Content-Length} beside {@code Transfer-Encoding}, {@code chunked} is the
 * only transfer coding taken, and an HTTP/1.1 request has exactly one {@code Host}. Not
 * thread-safe: one connection's reading thread uses it.
 */
final class RequestParser {

    /** The most bytes a request line with its headers, or a chunked body's trailers, may take. */
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private static final int MAX_HEADERS = 256;
    private static final int MAX_CHUNK_LINE = 1024;
    private static final int FIRST_HEAD_CAPACITY = 1024;
    private static final byte[] NO_BYTES = new byte[0];
    // A few blank lines before a request line are skipped, as RFC 9112 section 2.2 allows.
    private static final int MAX_LEADING_BLANK_BYTES = 8;

    private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, DONE }

    private final int maxBodyBytes;
    // Every body array's size is taken from it while the parser holds the array; take() hands
    // what the body took over to the request.
    private final BodyBudget budget;

    private State state = State.HEAD;
    private byte[] head = new byte[FIRST_HEAD_CAPACITY];
    private int headLength;
    private int scanned;
    private int leadingBlank;

    private String method;
    private String path;
    private String query;
    private Map<String, List<String>> headers;
    private boolean http10;
    private boolean keepAlive;
    private boolean continueDue;

    // Grows with the bytes that arrive, never ahead of them: an announced length costs nothing
    // until it is sent.
    private byte[] body;
    private int bodyLength;
    // What is still to come of a Content-Length body, or of the chunk being read.
    private long dataLeft;
    private int trailerBytes;

    RequestParser(int maxBodyBytes, BodyBudget budget) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
    }

    /**
     * Takes bytes until the request in progress is complete, leaving the bytes after it in
     * the buffer.
     *
     * @param in the bytes received, read from its position on
     * @return whether a whole request has been read; if so, {@link #take()} returns it
     * @throws HttpError if the request is malformed or over a limit
     */
    boolean feed(ByteBuffer in) throws HttpError {
        while (in.hasRemaining() && state != State.DONE) {
            switch (state) {
                case HEAD -> readHead(in);
                case BODY -> readBody(in);
                case CHUNK_SIZE, CHUNK_END, TRAILERS -> readChunkLine(in);
                case CHUNK_DATA -> readChunkData(in);
                default -> throw new IllegalStateException(state.name());
            }
        }
        return state == State.DONE;
    }

    /** Whether part of a request has arrived but not all of it. */
    boolean inProgress() {
        return state != State.DONE && (state != State.HEAD || headLength > 0);
    }

    /**
     * Whether the client waits for {@code 100 Continue} before it sends the body; true once,
     * just after the headers were read.
     */
    boolean takeContinueDue() {
        boolean due = continueDue;
        continueDue = false;
        return due;
    }

    /**
     * Returns the whole request read, and makes ready for the next one.
     *
     * @return the request
     */
    ParsedRequest take() {
        if (state != State.DONE) {
            throw new IllegalStateException("request parser: no whole request yet");
        }
        byte[] exact = body == null ? new byte[0]
                : bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength);
        long taken = body == null ? 0 : body.length;
        body = null;
        ParsedRequest request = new ParsedRequest(method, path, query, headers, exact, keepAlive,
                http10, taken);
        reset();
        return request;
    }

    /** Gives back to the budget what the body of a request not yet whole holds. */
    void release() {
        if (body != null) {
            budget.giveBack(body.length);
            body = null;
        }
    }

    private void reset() {
        release();
        state = State.HEAD;
        if (head.length > FIRST_HEAD_CAPACITY * 4) {
            head = new byte[FIRST_HEAD_CAPACITY];
        }
        headLength = 0;
        scanned = 0;
        leadingBlank = 0;
        method = null;
        path = null;
        query = null;
        headers = null;
        body = null;
        bodyLength = 0;
        dataLeft = 0;
        trailerBytes = 0;
        continueDue = false;
    }

    // ---- request line and headers

    private void readHead(ByteBuffer in) throws HttpError {
        if (headLength == 0) {
            skipLeadingBlankLines(in);
            if (!in.hasRemaining()) {
                return;
            }
        }
        int end = appendLine(in, true);
        if (end < 0) {
            return;
        }
        parseHead(end);
        headLength = 0;
        scanned = 0;
    }

    private void skipLeadingBlankLines(ByteBuffer in) throws HttpError {
        while (in.hasRemaining()) {
            byte next = in.get(in.position());
            boolean afterCr = leadingBlank % 2 == 1;
            if (afterCr ? next != '\n' : next != '\r') {
                if (afterCr || next == '\n') {
                    throw new HttpError(400, "a line before the request line does not end "
                            + "with CRLF");
                }
                return;
            }
            if (++leadingBlank > MAX_LEADING_BLANK_BYTES) {
                throw new HttpError(400, "too many blank lines before the request line");
            }
            in.get();
        }
    }

    /**
     * Appends bytes to {@code head} until a blank line ({@code untilBlank}) or one line ends;
     * returns the length up to and without that end, or -1 if it has not come yet.
     */
    private int appendLine(ByteBuffer in, boolean untilBlank) throws HttpError {
        int limit = state == State.CHUNK_SIZE || state == State.CHUNK_END
                ? MAX_CHUNK_LINE : MAX_HEAD_BYTES;
        int take = Math.min(in.remaining(), limit + 4 - headLength);
        if (take <= 0) {
            throw tooLong();
        }
        ensureHeadCapacity(headLength + take);
        int start = in.position();
        in.get(head, headLength, take);
        headLength += take;
        for (int i = scanned; i < headLength; i++) {
            if (head[i] != '\n') {
                continue;
            }
            if (i == 0 || head[i - 1] != '\r') {
                throw new HttpError(400, "a line does not end with CRLF");
            }
            int lineEnd = i - 1;
            boolean blank = untilBlank
                    ? lineEnd >= 2 && head[lineEnd - 1] == '\n' || lineEnd == 0
                    : true;
            if (blank) {
                // Give back what was taken past this line: it belongs to the body or the next
                // request.
                int consumed = i + 1;
                in.position(start + take - (headLength - consumed));
                headLength = consumed;
                if (lineEnd > limit) {
                    throw tooLong();
                }
                return untilBlank && lineEnd >= 2 ? lineEnd - 2 : lineEnd;
            }
        }
        scanned = headLength;
        if (headLength > limit) {
            throw tooLong();
        }
        return -1;
    }

    private HttpError tooLong() {
        return switch (state) {
            case CHUNK_SIZE, CHUNK_END -> new HttpError(400, "a chunk size line is too long");
            case TRAILERS -> new HttpError(431, "the trailers are over " + MAX_HEAD_BYTES
                    + " bytes");
            default -> new HttpError(431, "the request line and headers are over "
                    + MAX_HEAD_BYTES + " bytes");
        };
    }

    private void ensureHeadCapacity(int needed) {
        if (needed > head.length) {
            head = Arrays.copyOf(head, Math.max(needed, Math.min(head.length * 2,
                    MAX_HEAD_BYTES + 4)));
        }
    }

    private void parseHead(int end) throws HttpError {
        int lineEnd = indexOfCrlf(0, end);
        parseRequestLine(lineEnd);
        headers = new LinkedHashMap<>();
        long contentLength = -1;
        String transferEncoding = null;
        boolean close = false;
        boolean keepAliveAsked = false;
        boolean expectContinue = false;
        int hosts = 0;
        int count = 0;
        int at = lineEnd + 2;
        while (at < end) {
            int next = indexOfCrlf(at, end);
            if (++count > MAX_HEADERS) {
                throw new HttpError(431, "more than " + MAX_HEADERS + " headers");
            }
            String name = headerName(at, next);
            String value = headerValue(at + name.length() + 1, next);
            headers.computeIfAbsent(name, key -> new ArrayList<>(1)).add(value);
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = contentLength(value, contentLength);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                transferEncoding = transferEncoding == null ? value
                        : transferEncoding + "," + value;
            } else if (name.equalsIgnoreCase("Connection")) {
                close |= hasToken(value, "close");
                keepAliveAsked |= hasToken(value, "keep-alive");
            } else if (name.equalsIgnoreCase("Expect")) {
                expectContinue |= value.equalsIgnoreCase("100-continue");
            } else if (name.equalsIgnoreCase("Host")) {
                hosts++;
            }
            at = next + 2;
        }
        if (hosts > 1 || hosts == 0 && !http10) {
            // RFC 9112 section 3.2: two hosts could be read two ways, and HTTP/1.1 needs one.
            throw new HttpError(400, hosts == 0 ? "an HTTP/1.1 request has no Host"
                    : "a request has more than one Host");
        }
        keepAlive = !close && (!http10 || keepAliveAsked);
        // Due before the body is looked at, so that a body refused at once (413) is refused
        // after the 100 too: see ServerLoop.
        continueDue = expectContinue && !http10
                && (contentLength > 0 || transferEncoding != null);
        startBody(contentLength, transferEncoding, http10);
    }

    private int indexOfCrlf(int from, int end) {
        for (int i = from; i < end; i++) {
            if (head[i] == '\r' && head[i + 1] == '\n') {
                return i;
            }
        }
        return end;
    }

    // Sets method, path, query and whether the version is HTTP/1.0.
    private void parseRequestLine(int end) throws HttpError {
        int firstSpace = indexOf((byte) ' ', 0, end);
        int secondSpace = firstSpace < 0 ? -1 : indexOf((byte) ' ', firstSpace + 1, end);
        if (firstSpace <= 0 || secondSpace < 0 || secondSpace == firstSpace + 1) {
            throw new HttpError(400, "the request line is not <method> <target> <version>");
        }
        for (int i = 0; i < firstSpace; i++) {
            if (!isTokenChar(head[i])) {
                throw new HttpError(400, "the method is not a token");
            }
        }
        method = ascii(0, firstSpace);
        String version = ascii(secondSpace + 1, end);
        if (version.equals("HTTP/1.1") || version.equals("HTTP/1.0")) {
            http10 = version.equals("HTTP/1.0");
        } else if (version.length() == 8 && version.startsWith("HTTP/")
                && Character.isDigit(version.charAt(5)) && version.charAt(6) == '.'
                && Character.isDigit(version.charAt(7))) {
            throw new HttpError(505, "only HTTP/1.1 and HTTP/1.0 are served");
        } else {
            throw new HttpError(400, "the request line does not end with an HTTP version");
        }
        parseTarget(firstSpace + 1, secondSpace);
    }

    private void parseTarget(int from, int to) throws HttpError {
        for (int i = from; i < to; i++) {
            byte b = head[i];
            if (b <= ' ' || b >= 0x7f || b == '#') {
                throw new HttpError(400, "the request target has a character it may not have");
            }
        }
        int start = from;
        if (head[from] != '/') {
            // The absolute form, http://host/path, as a proxy would send; "*" and others stay
            // as they are and meet no webhook.
            String target = ascii(from, to);
            int scheme = target.indexOf("://");
            if (scheme > 0) {
                int slash = target.indexOf('/', scheme + 3);
                int mark = target.indexOf('?', scheme + 3);
                if (slash < 0 || mark >= 0 && mark < slash) {
                    path = "/";
                    query = mark < 0 ? null : target.substring(mark + 1);
                    return;
                }
                start = from + slash;
            }
        }
        int mark = indexOf((byte) '?', start, to);
        path = ascii(start, mark < 0 ? to : mark);
        query = mark < 0 ? null : ascii(mark + 1, to);
    }

    private String headerName(int from, int end) throws HttpError {
        int colon = indexOf((byte) ':', from, end);
        if (colon <= from) {
            throw new HttpError(400, colon == from ? "a header has no name"
                    : head[from] == ' ' || head[from] == '\t' ? "a header line is folded"
                    : "a header line has no colon");
        }
        for (int i = from; i < colon; i++) {
            if (!isTokenChar(head[i])) {
                throw new HttpError(400, "a header name is not a token");
            }
        }
        return ascii(from, colon);
    }

    private String headerValue(int from, int end) throws HttpError {
        int start = from;
        int stop = end;
        while (start < stop && (head[start] == ' ' || head[start] == '\t')) {
            start++;
        }
        while (stop > start && (head[stop - 1] == ' ' || head[stop - 1] == '\t')) {
            stop--;
        }
        for (int i = start; i < stop; i++) {
            int b = head[i] & 0xff;
            if (b < ' ' && b != '\t' || b == 0x7f) {
                throw new HttpError(400, "a header value has a control character");
            }
        }
        return new String(head, start, stop - start, StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(String value, long before) throws HttpError {
        long length = -1;
        for (String part : value.split(",", -1)) {
            String digits = part.trim();
            if (digits.isEmpty() || digits.length() > 18) {
                throw new HttpError(400, "Content-Length is not a length");
            }
            long parsed = 0;
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                if (c < '0' || c > '9') {
                    throw new HttpError(400, "Content-Length is not a length");
                }
                parsed = parsed * 10 + (c - '0');
            }
            if (length >= 0 && parsed != length) {
                throw new HttpError(400, "Content-Length has different values");
            }
            length = parsed;
        }
        if (before >= 0 && before != length) {
            throw new HttpError(400, "Content-Length has different values");
        }
        return length;
    }

    private static boolean hasToken(String value, String token) {
        for (String part : value.split(",")) {
            if (part.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    // ---- body

    private void startBody(long contentLength, String transferEncoding, boolean http10)
            throws HttpError {
        if (transferEncoding != null) {
            if (contentLength >= 0) {
                throw new HttpError(400, "a request may not have both Content-Length and "
                        + "Transfer-Encoding");
            }
            if (http10) {
                throw new HttpError(400, "HTTP/1.0 has no Transfer-Encoding");
            }
            checkTransferEncoding(transferEncoding);
            body = NO_BYTES;
            state = State.CHUNK_SIZE;
            return;
        }
        if (contentLength > maxBodyBytes) {
            throw new HttpError(413, "request body is over " + maxBodyBytes + " bytes");
        }
        if (contentLength <= 0) {
            state = State.DONE;
            return;
        }
        body = NO_BYTES;
        dataLeft = contentLength;
        state = State.BODY;
    }

    // RFC 9112 section 6.3: chunked must come last, and once; only it is decoded here.
    private static void checkTransferEncoding(String value) throws HttpError {
        String[] codings = value.split(",", -1);
        int chunked = 0;
        for (String coding : codings) {
            String name = coding.trim();
            if (name.isEmpty()) {
                throw new HttpError(400, "Transfer-Encoding has an empty coding");
            }
            if (name.equalsIgnoreCase("chunked")) {
                chunked++;
            }
        }
        if (!codings[codings.length - 1].trim().equalsIgnoreCase("chunked")) {
            throw new HttpError(400, "chunked is not the last transfer coding");
        }
        if (chunked > 1) {
            throw new HttpError(400, "chunked is applied more than once");
        }
        if (codings.length > 1) {
            throw new HttpError(501, "the only transfer coding served is chunked");
        }
    }

    private void readBody(ByteBuffer in) throws HttpError {
        readData(in, bodyLength + dataLeft);
        if (dataLeft == 0) {
            state = State.DONE;
        }
    }

    /** Takes body bytes as they come, growing the body up to {@code capacity} at most. */
    private void readData(ByteBuffer in, long capacity) throws HttpError {
        int take = (int) Math.min(in.remaining(), dataLeft);
        int needed = bodyLength + take;
        if (needed > body.length) {
            // Never more than twice what arrived: an announced length costs nothing until it
            // is sent, and what the body holds is charged to the budget as it grows.
            int size = (int) Math.min(capacity, Math.max((long) needed, (long) body.length * 2));
            takeFromBudget(size - body.length);
            body = Arrays.copyOf(body, size);
        }
        in.get(body, bodyLength, take);
        bodyLength += take;
        dataLeft -= take;
    }

    private void readChunkLine(ByteBuffer in) throws HttpError {
        int end = appendLine(in, false);
        if (end < 0) {
            return;
        }
        switch (state) {
            case CHUNK_END -> {
                if (end != 0) {
                    throw new HttpError(400, "a chunk is longer than its size");
                }
                state = State.CHUNK_SIZE;
            }
            case CHUNK_SIZE -> startChunk(end);
            case TRAILERS -> {
                if (end == 0) {
                    state = State.DONE;
                    headLength = 0;
                    scanned = 0;
                    return;
                }
                // Trailers are read and dropped: they must not override the headers.
                trailerBytes += headLength;
                if (trailerBytes > MAX_HEAD_BYTES) {
                    throw tooLong();
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
        headLength = 0;
        scanned = 0;
    }

    private void startChunk(int end) throws HttpError {
        int stop = indexOf((byte) ';', 0, end);
        int digitsEnd = stop < 0 ? end : stop;
        while (digitsEnd > 0 && (head[digitsEnd - 1] == ' ' || head[digitsEnd - 1] == '\t')) {
            digitsEnd--;
        }
        if (digitsEnd == 0) {
            throw new HttpError(400, "a chunk has no size");
        }
        long size = 0;
        for (int i = 0; i < digitsEnd; i++) {
            int digit = Character.digit(head[i], 16);
            if (digit < 0) {
                throw new HttpError(400, "a chunk size is not hexadecimal");
            }
            size = size * 16 + digit;
            if (size > maxBodyBytes - bodyLength) {
                throw new HttpError(413, "request body is over " + maxBodyBytes + " bytes");
            }
        }
        if (size == 0) {
            // What stays in head from here on is the trailer section, line by line.
            state = State.TRAILERS;
            return;
        }
        dataLeft = size;
        state = State.CHUNK_DATA;
    }

    private void takeFromBudget(long bytes) throws HttpError {
        if (!budget.take(bytes)) {
            throw new HttpError(503, "busy: the request bodies held are at the server's limit "
                    + "of " + budget.limit() + " bytes; try again later");
        }
    }

    private void readChunkData(ByteBuffer in) throws HttpError {
        readData(in, maxBodyBytes);
        if (dataLeft == 0) {
            state = State.CHUNK_END;
        }
    }

    // ---- bytes

    private int indexOf(byte wanted, int from, int to) {
        for (int i = from; i < to; i++) {
            if (head[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private String ascii(int from, int to) {
        return new String(head, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static boolean isTokenChar(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
            return true;
        }
        return b > ' ' && b < 0x7f && "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    /**
     * One request as read: the method, the raw path and query, every header with its values in
     * order, the exact body, whether the connection may carry another request after it,
     * whether the request was HTTP/1.0, and how many bytes of the server's body budget it
     * holds until it is answered.
     */
    record ParsedRequest(String method, String path, String query,
            Map<String, List<String>> headers, byte[] body, boolean keepAlive, boolean http10,
            long budgetBytes) {
    }
}
