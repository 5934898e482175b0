package dev.recipes.testkit.recording;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.webhook.WebhookTarget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback HTTP server that records every request it gets, whatever the method or path, with
 * a {@link WebhookRecorder}, and then answers it: with 200, or with the answer of a target it
 * forwards the request to, such as the application under development.
 *
 * <pre>{@code
 * WebhookRecorder recorder = WebhookRecorder.toDirectory(Path.of("recordings"));
 * try (RecordingServer server = RecordingServer.builder(recorder)
 *         .port(9000)                                   // where a tunnel delivers
 *         .forwardTo(WebhookTarget.overHttp(URI.create("http://127.0.0.1:8080")))
 *         .start()) {
 *     // let the real sender deliver, then close
 * }
 * }</pre>
 *
 * <p>It listens on the loopback address only. A request is recorded before it is forwarded,
 * and forwarded as it arrived (masking applies to the recording only). A body over the limit
 * gets 413 and is not recorded; a request the recorder cannot save gets 500; one the target
 * cannot be reached for gets 502. Thread-safe; close it to stop.
 */
public final class RecordingServer implements AutoCloseable {

    /** The default largest body: GitHub's cap on webhook payloads, 25 MB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

    /** The largest body that can be recorded: its file, in base64, must still be readable. */
    public static final int MAX_BODY_BYTES = 40 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(RecordingServer.class);
    private static final String SUBJECT = "recording server";
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final WebhookRecorder recorder;
    private final WebhookTarget forward;
    private final int maxBodyBytes;

    private RecordingServer(Builder builder) {
        this.recorder = builder.recorder;
        this.forward = builder.forward;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.executor = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "recording-server");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), builder.port), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException(SUBJECT + ": cannot listen on port " + builder.port,
                    e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Starts a server on a free loopback port that records each request and answers 200.
     *
     * @param recorder the recorder
     * @return the running server; close it when done
     * @throws UncheckedIOException if it cannot listen
     */
    public static RecordingServer start(WebhookRecorder recorder) {
        return builder(recorder).start();
    }

    /**
     * Starts a server with more settings.
     *
     * @param recorder the recorder
     * @return a builder
     */
    public static Builder builder(WebhookRecorder recorder) {
        return new Builder(Objects.requireNonNull(recorder, "recorder"));
    }

    /**
     * Returns the port the server listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Returns the server's base URL, to point a sender or a tunnel at.
     *
     * @return such as {@code http://127.0.0.1:41234}
     */
    public URI baseUrl() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
                + port());
    }

    /** Stops listening and ends the server's threads; requests in progress are cut off. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            send(exchange, answer(exchange));
        } catch (IOException e) {
            LOG.debug("Recording server: connection failed: {}", e.toString());
        }
    }

    private WebhookResponse answer(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange.getRequestBody());
        if (body == null) {
            // Limitation: the rest of a body over the limit is not read, so a client still
            // sending it may see the connection reset instead of this 413.
            return WebhookResponse.text(413, SUBJECT + ": request body is over " + maxBodyBytes
                    + " bytes; nothing was recorded").withHeader("Connection", "close");
        }
        URI uri = exchange.getRequestURI();
        WebhookRequest request = new WebhookRequest(exchange.getRequestMethod(),
                uri.getRawPath() == null ? "/" : uri.getRawPath(), uri.getRawQuery(),
                exchange.getRequestHeaders(), body);
        try {
            recorder.record(request);
        } catch (RuntimeException e) {
            LOG.error("Recording server: {} {} could not be recorded", request.method(),
                    request.path(), e);
            return WebhookResponse.text(500, SUBJECT + ": the request could not be recorded");
        }
        if (forward == null) {
            return WebhookResponse.ok();
        }
        try {
            return forward.deliver(request);
        } catch (RuntimeException e) {
            LOG.warn("Recording server: {} {} was recorded but not forwarded: {}",
                    request.method(), request.path(), e.toString());
            return WebhookResponse.text(502, SUBJECT + ": recorded, but forwarding failed");
        }
    }

    /** Reads the exact body bytes, or returns null once it passes the limit. */
    private byte[] readBody(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
            if (body.size() + read > maxBodyBytes) {
                return null;
            }
            body.write(buffer, 0, read);
        }
        return body.toByteArray();
    }

    private static void send(HttpExchange exchange, WebhookResponse response) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        response.headers().forEach((name, value) -> {
            if (!"Content-Length".equalsIgnoreCase(name)
                    && !"Transfer-Encoding".equalsIgnoreCase(name)) {
                headers.set(name, value);
            }
        });
        byte[] body = response.body();
        boolean bodiless = body.length == 0 || "HEAD".equals(exchange.getRequestMethod())
                || response.status() < 200 || response.status() == 204
                || response.status() == 304;
        exchange.sendResponseHeaders(response.status(), bodiless ? -1 : body.length);
        if (!bodiless) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public String toString() {
        return "RecordingServer[" + baseUrl() + (forward == null ? "" : ", forwarding") + "]";
    }

    /** Settings of a recording server. Each may be set once. Not thread-safe. */
    public static final class Builder {

        private final WebhookRecorder recorder;
        private WebhookTarget forward;
        private int port;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private boolean portSet;
        private boolean maxSet;

        private Builder(WebhookRecorder recorder) {
            this.recorder = recorder;
        }

        /**
         * Forwards each request, after it is recorded, to a target and answers with its
         * answer; by default every request is answered 200.
         *
         * @param target such as {@code WebhookTarget.overHttp(URI.create("http://127.0.0.1:8080"))}
         * @return this builder
         * @throws IllegalStateException if a target was set already
         */
        public Builder forwardTo(WebhookTarget target) {
            Objects.requireNonNull(target, "target");
            if (forward != null) {
                throw new IllegalStateException(SUBJECT + ": forward target already set to "
                        + forward);
            }
            this.forward = target;
            return this;
        }

        /**
         * Listens on a given loopback port; a free one by default.
         *
         * @param port 1 to 65535, or 0 for a free one
         * @return this builder
         * @throws IllegalArgumentException if the port is out of range
         * @throws IllegalStateException if a port was set already
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(SUBJECT + ": port " + port
                        + " is not 0 to 65535");
            }
            if (portSet) {
                throw new IllegalStateException(SUBJECT + ": port already set to " + this.port);
            }
            this.port = port;
            this.portSet = true;
            return this;
        }

        /**
         * Sets the largest body recorded; {@link #DEFAULT_MAX_BODY_BYTES} by default.
         *
         * @param maxBodyBytes the limit, from 1 to {@link #MAX_BODY_BYTES}
         * @return this builder
         * @throws IllegalArgumentException if it is out of that range
         * @throws IllegalStateException if a limit was set already
         */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1 || maxBodyBytes > MAX_BODY_BYTES) {
                throw new IllegalArgumentException(SUBJECT + ": max body bytes " + maxBodyBytes
                        + " must be from 1 to " + MAX_BODY_BYTES + ", the most a recording "
                        + "file can be read back with");
            }
            if (maxSet) {
                throw new IllegalStateException(SUBJECT + ": max body bytes already set to "
                        + this.maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            this.maxSet = true;
            return this;
        }

        /**
         * Starts the server.
         *
         * @return the running server; close it when done
         * @throws UncheckedIOException if it cannot listen
         */
        public RecordingServer start() {
            return new RecordingServer(this);
        }
    }
}
