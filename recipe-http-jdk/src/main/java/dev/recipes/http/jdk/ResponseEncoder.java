package dev.recipes.http.jdk;

import dev.recipes.core.webhook.WebhookResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link WebhookResponse} as the bytes of an HTTP/1.1 response: the status line, a
 * {@code Date} unless the handler gave its own, the handler's headers but for the framing ones,
 * which the server derives from the body it sends ({@code Content-Length},
 * {@code Transfer-Encoding}, {@code Connection}), then the body. Thread-safe.
 */
final class ResponseEncoder {

    /** What a client that sent {@code Expect: 100-continue} waits for before the body. */
    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    // IMF-fixdate (RFC 9110): the day always in two digits, which RFC_1123_DATE_TIME leaves
    // out ("Sat, 5 Dec 2026").
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static volatile DateLine date = new DateLine(Long.MIN_VALUE, "");

    private ResponseEncoder() {
    }

    /**
     * Encodes a response.
     *
     * @param response the answer
     * @param head whether it answers a HEAD request, whose answer has no body
     * @param connection the {@code Connection} header to send: {@code close} if the
     *     connection closes after the answer, {@code keep-alive} to tell an HTTP/1.0 client
     *     that it stays open, or null for none
     * @return the bytes to send
     * @throws IllegalArgumentException if a header name or value cannot be sent as it is
     */
    static byte[] encode(WebhookResponse response, boolean head, String connection) {
        int status = response.status();
        byte[] body = response.body();
        boolean bodiless = status < 200 || status == 204 || status == 304;
        StringBuilder text = new StringBuilder(128);
        text.append("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                .append("\r\n");
        if (!response.headers().containsKey("Date")) {
            // Date may appear once; the headers' map matches names without regard to case.
            text.append(dateLine());
        }
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            String name = header.getKey();
            if (isFraming(name)) {
                continue;
            }
            checkName(name);
            checkValue(name, header.getValue());
            text.append(name).append(": ").append(header.getValue()).append("\r\n");
        }
        if (!bodiless) {
            text.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (connection != null) {
            text.append("Connection: ").append(connection).append("\r\n");
        }
        text.append("\r\n");
        byte[] start = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (bodiless || head || body.length == 0) {
            return start;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(start.length + body.length);
        out.writeBytes(start);
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * Whether the handler asked for the connection to be closed after its answer, with
     * {@code Connection: close}.
     *
     * @param response the answer
     * @return whether it says close
     */
    static boolean asksToClose(WebhookResponse response) {
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            if (header.getKey().equalsIgnoreCase("Connection") && header.getValue() != null) {
                for (String token : header.getValue().split(",")) {
                    if (token.trim().equalsIgnoreCase("close")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isFraming(String name) {
        return name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Connection")
                || name.equalsIgnoreCase("Transfer-Encoding");
    }

    private static void checkName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a response header has an empty name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == ':' || "\"(),/;<=>?@[\\]{}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("response header name '" + name
                        + "' is not a token");
            }
        }
    }

    private static void checkValue(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("response header " + name + " has no value");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' && c != '\t' || c == 0x7f || c > 0xff) {
                // The value may be a secret: only its header's name is told.
                throw new IllegalArgumentException("response header " + name
                        + " has a character that cannot be sent");
            }
        }
    }

    private static String dateLine() {
        long second = System.currentTimeMillis() / 1000;
        DateLine current = date;
        if (current.second != second) {
            current = new DateLine(second, "Date: " + httpDate(Instant.ofEpochSecond(second))
                    + "\r\n");
            date = current;
        }
        return current.line;
    }

    /**
     * Formats an instant as an HTTP date (IMF-fixdate, RFC 9110).
     *
     * @param instant the instant, to the second
     * @return such as {@code Sun, 06 Nov 1994 08:49:37 GMT}
     */
    static String httpDate(Instant instant) {
        return DATE.format(instant);
    }

    private static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status " + status;
        };
    }

    private record DateLine(long second, String line) {
    }
}
