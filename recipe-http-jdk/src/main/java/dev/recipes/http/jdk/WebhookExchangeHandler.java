package dev.recipes.http.jdk;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates one HTTP exchange into a {@link WebhookRequest}, and the handler's
 * {@link WebhookResponse} back. Never logs headers or bodies: they may carry secrets.
 */
final class WebhookExchangeHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(JdkWebhookServer.class);
    private static final int BUFFER_SIZE = 8192;
    /** How much of a refused body is read and discarded, as Tomcat's maxSwallowSize does. */
    private static final long SWALLOW_BYTES = 2L * 1024 * 1024;

    /** Set on the thread that answers exchanges the workers had no room for. */
    private static final ThreadLocal<Boolean> REJECTED = ThreadLocal.withInitial(() -> false);

    /** Headers the server derives from the body it sends; a handler's values would lie. */
    private static final Set<String> FRAMING_HEADERS = framingHeaders();

    /** What a response without headers adds to the exchange's own: nothing. Never modified. */
    private static final Headers EMPTY_HEADERS = new Headers();

    private final WebhookHandler handler;
    private final int maxBodyBytes;

    WebhookExchangeHandler(WebhookHandler handler, int maxBodyBytes) {
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Runs an exchange that the workers had no room for, so that it is answered 503.
     *
     * @param exchange the JDK server's task for one exchange
     */
    static void runRejected(Runnable exchange) {
        REJECTED.set(Boolean.TRUE);
        try {
            exchange.run();
        } finally {
            REJECTED.remove();
        }
    }

    @Override
    public void handle(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = rawPath(exchange);
        try {
            int status = send(exchange, method, answer(exchange, method, path));
            if (LOG.isDebugEnabled()) {
                LOG.debug("Webhook request {} {} answered {}", method, path, status);
            }
        } catch (IOException e) {
            LOG.debug("Webhook request {} {}: connection failed: {}", method, path, e.toString());
        } finally {
            exchange.close();
        }
    }

    private WebhookResponse answer(HttpExchange exchange, String method, String path)
            throws IOException {
        if (REJECTED.get()) {
            return WebhookResponse.text(503, "webhook server: busy, try again later")
                    .withHeader("Retry-After", "1")
                    .withHeader("Connection", "close");
        }
        if (!path.startsWith(JdkWebhookServer.HOOKS_PATH)
                && !path.startsWith(JdkWebhookServer.OAUTH_PATH)) {
            return WebhookResponse.text(404, "webhook server: no webhooks at this path");
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            // Limitation: a chunked body, or one declared over SWALLOW_BYTES, is not read to its
            // end; a client still sending it may see the connection reset instead of this 413.
            return WebhookResponse.text(413, "webhook server: request body is over "
                    + maxBodyBytes + " bytes").withHeader("Connection", "close");
        }
        WebhookRequest request = new WebhookRequest(method, path,
                exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body);
        return callHandler(request);
    }

    /**
     * Reads the body's exact bytes, or returns null as soon as it passes the limit. Each read
     * asks for at least one byte: a read of zero bytes at the end of a chunk would wait for the
     * next chunk's header.
     */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        long declared = declaredLength(exchange.getRequestHeaders());
        InputStream in = exchange.getRequestBody();
        if (declared > maxBodyBytes) {
            if (declared <= SWALLOW_BYTES) {
                swallow(in);
            }
            return null;
        }
        if (declared >= 0) {
            // The usual case: read straight into an array of the declared length.
            byte[] exact = new byte[(int) declared];
            int filled = 0;
            int read;
            while (filled < exact.length
                    && (read = in.read(exact, filled, exact.length - filled)) >= 0) {
                filled += read;
            }
            if (filled < exact.length) {
                return Arrays.copyOf(exact, filled);
            }
            int next = in.read();
            if (next < 0) {
                return exact;
            }
            // More than declared: read on as for a body of unknown length.
            ByteArrayOutputStream body = new ByteArrayOutputStream(exact.length + BUFFER_SIZE);
            body.write(exact, 0, exact.length);
            body.write(next);
            return readRest(in, body, exact.length + 1);
        }
        return readRest(in, new ByteArrayOutputStream(Math.min(maxBodyBytes, BUFFER_SIZE)), 0);
    }

    // Reads on after `already` bytes kept in body, or returns null past the limit.
    private byte[] readRest(InputStream in, ByteArrayOutputStream body, int already)
            throws IOException {
        if (already > maxBodyBytes) {
            return null;
        }
        byte[] buffer = new byte[BUFFER_SIZE];
        int total = already;
        int read;
        while ((read = in.read(buffer, 0, Math.min(buffer.length, maxBodyBytes + 1 - total)))
                >= 0) {
            total += read;
            if (total > maxBodyBytes) {
                return null;
            }
            body.write(buffer, 0, read);
        }
        return body.toByteArray();
    }

    /**
     * Reads and discards a refused body whose declared length is at most
     * {@link #SWALLOW_BYTES}, so that the client, still sending it, then reads the 413 instead of
     * a reset connection. A chunked body is answered as soon as it passes the limit instead.
     */
    private static void swallow(InputStream in) throws IOException {
        byte[] buffer = new byte[BUFFER_SIZE];
        long left = SWALLOW_BYTES;
        int read;
        while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= read;
        }
    }

    private static long declaredLength(Headers headers) {
        String value = headers.getFirst("Content-Length");
        if (value == null || headers.containsKey("Transfer-Encoding")) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private WebhookResponse callHandler(WebhookRequest request) {
        try {
            WebhookResponse response = handler.handle(request);
            if (response != null) {
                return response;
            }
            LOG.error("Webhook handler answered {} {} with null; answering 500",
                    request.method(), request.path());
        } catch (RuntimeException | Error e) {
            LOG.error("Webhook handler failed on {} {}; answering 500",
                    request.method(), request.path(), e);
        }
        return serverError();
    }

    /** Writes the response, or 500 if a header cannot be written; returns the status sent. */
    private static int send(HttpExchange exchange, String method, WebhookResponse answer)
            throws IOException {
        WebhookResponse response = answer;
        Headers headers;
        try {
            headers = responseHeaders(response);
        } catch (IllegalArgumentException e) {
            LOG.error("Webhook handler answered {} {} with a malformed header; answering 500",
                    method, rawPath(exchange), e);
            response = serverError();
            headers = responseHeaders(response);
        }
        if (!headers.isEmpty()) {
            exchange.getResponseHeaders().putAll(headers);
        }
        byte[] body = response.body();
        int status = response.status();
        boolean bodiless = body.length == 0 || "HEAD".equals(method)
                || status < 200 || status == 204 || status == 304;
        // -1 declares no body: an empty body would otherwise be sent chunked.
        exchange.sendResponseHeaders(status, bodiless ? -1 : body.length);
        if (!bodiless) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        return status;
    }

    private static Headers responseHeaders(WebhookResponse response) {
        if (response.headers().isEmpty()) {
            return EMPTY_HEADERS;
        }
        Headers headers = new Headers();
        response.headers().forEach((name, value) -> {
            if (!FRAMING_HEADERS.contains(name)) {
                headers.set(name, value);
            }
        });
        return headers;
    }

    private static WebhookResponse serverError() {
        return WebhookResponse.text(500, "webhook server: the webhook handler failed");
    }

    private static String rawPath(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        return path == null ? "" : path;
    }

    private static Set<String> framingHeaders() {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.add("Content-Length");
        names.add("Transfer-Encoding");
        return Collections.unmodifiableSet(names);
    }
}
