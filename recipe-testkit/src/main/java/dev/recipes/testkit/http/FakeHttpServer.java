package dev.recipes.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake HTTP server on {@code 127.0.0.1} with an ephemeral port, over real HTTP: the stand-in
 * for a provider's API in a plugin's tests, or the target of an HTTP call. It records every
 * request and answers each one with the oldest scripted reply, or else the default reply.
 *
 * <pre>{@code
 * try (FakeHttpServer api = FakeHttpServer.start()) {
 *     api.failNext(503, "{}", Map.of("Retry-After", "2"));   // the first call fails
 *     // ... let the code under test call api.url("/v1/orders") twice
 *     List<ReceivedRequest> calls = api.awaitRequests(2, Duration.ofSeconds(5));
 *     assertThat(calls.get(1).json().get("id").asInt()).isEqualTo(42);
 * }
 * }</pre>
 *
 * <p>Every request is recorded once its body has arrived, before it is answered; the answer
 * is then, in order of precedence:
 * <ol>
 *   <li>the oldest reply queued by {@link #enqueue(Reply...)}, {@link #failNext(int)},
 *       {@link #delayNext(Duration)} or {@link #dropNext()}, each used once;</li>
 *   <li>else what the responder set by {@link #answerWith(Function)} returns for the
 *       request;</li>
 *   <li>else the default reply, {@code 200} with the JSON body {@code {}} unless changed by
 *       {@link #answerByDefault(Reply)}.</li>
 * </ol>
 * A delayed reply does not hold a request thread: other requests are answered meanwhile. A
 * request body larger than 16 MiB is answered 413 and not recorded.
 *
 * <p>Thread-safe. {@link #close()} stops the server at once and cuts the connections of
 * requests whose replies are still delayed.
 */
public final class FakeHttpServer implements AutoCloseable {

    /** The largest request body the server reads. */
    public static final int MAX_BODY_BYTES = 16 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(FakeHttpServer.class);
    private static final String SUBJECT = "fake http server";
    private static final Reply DEFAULT_REPLY = Reply.json(200, "{}");
    private static final int THREADS = 8;

    // The JDK server writes a response's headers and body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK, adding about 40 ms to every answer. The JDK reads
    // the property once, when its first server starts, so it is set here unless already set.
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService delays;
    private final String baseUrl;
    private final Object lock = new Object();
    private final List<ReceivedRequest> received = new ArrayList<>();
    private final Deque<Scripted> script = new ArrayDeque<>();
    /** Exchanges whose reply is delayed, until answered or cut; guarded by lock. */
    private final Set<HttpExchange> held = new HashSet<>();
    private Reply defaultReply = DEFAULT_REPLY;
    private Function<? super ReceivedRequest, Reply> responder;
    private boolean closed;

    private FakeHttpServer() {
        this.executor = Executors.newFixedThreadPool(THREADS, daemon("fake-http"));
        this.delays = Executors.newSingleThreadScheduledExecutor(daemon("fake-http-delays"));
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            delays.shutdownNow();
            throw new UncheckedIOException(SUBJECT + ": cannot listen on loopback", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Starts a server that answers every request {@code 200 {}} until told otherwise.
     *
     * @return the running server; close it when done
     * @throws UncheckedIOException if it cannot listen on the loopback address
     */
    public static FakeHttpServer start() {
        return new FakeHttpServer();
    }

    /**
     * Returns the server's base URL.
     *
     * @return such as {@code http://127.0.0.1:41234}, without a trailing '/'
     */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Returns the URL of a path on this server.
     *
     * @param pathAndQuery a path starting with '/', optionally with a query, such as
     *     {@code /v1/orders?page=2}
     * @return the URL, such as {@code http://127.0.0.1:41234/v1/orders?page=2}
     * @throws IllegalArgumentException if the path does not start with '/' or is not a valid
     *     URI path
     */
    public String url(String pathAndQuery) {
        Objects.requireNonNull(pathAndQuery, "pathAndQuery");
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException(SUBJECT + ": path '" + pathAndQuery
                    + "' does not start with '/'");
        }
        String url = baseUrl + pathAndQuery;
        URI.create(url);
        return url;
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
     * Sets the reply to requests that find no scripted reply and no responder.
     *
     * @param reply the reply, used for every such request; {@code 200 {}} at first
     */
    public void answerByDefault(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        synchronized (lock) {
            defaultReply = reply;
        }
    }

    /**
     * Sets a function that computes the reply to requests that find no scripted reply, so that
     * a fake API can answer by path or body. It runs on the server's request threads and must
     * be thread-safe; when it throws or returns {@code null}, the request gets 500 and the
     * failure is logged.
     *
     * @param responder the function, or {@code null} to go back to the default reply
     */
    public void answerWith(Function<? super ReceivedRequest, Reply> responder) {
        synchronized (lock) {
            this.responder = responder;
        }
    }

    /**
     * Queues replies for the next requests, one each, in order, after those already queued.
     *
     * @param replies the replies
     */
    public void enqueue(Reply... replies) {
        Objects.requireNonNull(replies, "replies");
        List<Scripted> checked = List.of(replies).stream()
                .map(reply -> new Scripted(reply, Duration.ZERO)).toList();
        synchronized (lock) {
            script.addAll(checked);
        }
    }

    /**
     * Makes the next request fail with a status and the JSON body
     * {@code {"error":"injected failure <status>"}}. Queued with the other scripted replies.
     *
     * @param status an HTTP status from 200 to 599, such as 429 or 503
     * @throws IllegalArgumentException if the status is out of range
     */
    public void failNext(int status) {
        enqueue(Reply.json(status, "{\"error\":\"injected failure " + status + "\"}"));
    }

    /**
     * Makes the next request fail with a status, a body and headers, such as
     * {@code Retry-After}. The body is sent as {@code application/json} unless the headers
     * name another {@code Content-Type}. Queued with the other scripted replies.
     *
     * @param status an HTTP status from 200 to 599
     * @param body the body, written as UTF-8
     * @param headers the headers to send
     * @throws IllegalArgumentException if the status is out of range or a header could not be
     *     sent
     */
    public void failNext(int status, String body, Map<String, String> headers) {
        Reply reply = Reply.json(status, body);
        for (Map.Entry<String, String> header : Map.copyOf(headers).entrySet()) {
            reply = reply.withHeader(header.getKey(), header.getValue());
        }
        enqueue(reply);
    }

    /**
     * Makes the next request wait before it gets the reply it would get otherwise (the
     * responder's or the default), to test a client's timeout. Queued with the other scripted
     * replies; the request thread is not held meanwhile.
     *
     * @param delay from zero to {@link Reply#MAX_DELAY}
     * @throws IllegalArgumentException if the delay is negative or too long
     */
    public void delayNext(Duration delay) {
        Duration checked = Reply.requireDelay(delay);
        synchronized (lock) {
            script.add(new Scripted(null, checked));
        }
    }

    /**
     * Makes the next request's connection close without any answer, as when a network or a
     * proxy drops it. Queued with the other scripted replies.
     */
    public void dropNext() {
        enqueue(Reply.drop());
    }

    /**
     * Returns the requests received, oldest first.
     *
     * @return an immutable copy
     */
    public List<ReceivedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(received);
        }
    }

    /**
     * Waits until at least a number of requests has been received, without polling.
     *
     * @param count how many requests to wait for, at least 1
     * @param timeout how long to wait at most
     * @return every request received so far, oldest first, at least {@code count}
     * @throws AssertionError if fewer arrived in time; the message lists those that did
     * @throws IllegalArgumentException if the count is not positive or the timeout negative
     */
    public List<ReceivedRequest> awaitRequests(int count, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (count < 1 || timeout.isNegative()) {
            throw new IllegalArgumentException(SUBJECT + ": cannot wait for " + count
                    + " requests within " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (received.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(SUBJECT + ": expected " + count + " requests within "
                            + timeout + ", got " + received.size() + ": " + received);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(SUBJECT + ": interrupted while waiting for "
                            + count + " requests", e);
                }
            }
            return List.copyOf(received);
        }
    }

    /** Forgets the requests received and the scripted replies not used yet. */
    public void reset() {
        synchronized (lock) {
            received.clear();
            script.clear();
        }
    }

    /**
     * Stops the server at once: requests whose replies are delayed have their connections cut,
     * and the port is released. Calling it again does nothing.
     */
    @Override
    public void close() {
        List<HttpExchange> cut;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            cut = List.copyOf(held);
            held.clear();
            lock.notifyAll();
        }
        cut.forEach(HttpExchange::close);
        server.stop(0);
        delays.shutdownNow();
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        boolean holding = false;
        try {
            byte[] body = readBody(exchange);
            if (body == null) {
                send(exchange, Reply.text(413, SUBJECT + ": body larger than " + MAX_BODY_BYTES
                        + " bytes"));
                return;
            }
            ReceivedRequest request = new ReceivedRequest(exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders(), body);
            Reply reply = replyTo(request);
            if (!reply.delay().isZero()) {
                holding = hold(exchange, reply);
            } else if (!reply.drops()) {
                send(exchange, reply);
            }
        } catch (IOException e) {
            LOG.debug("Fake HTTP server: exchange failed", e);
        } finally {
            // Closing an exchange whose answer was not started closes its connection: this is
            // how a dropped request is cut off.
            if (!holding) {
                exchange.close();
            }
        }
    }

    /** Records the request and picks its reply. */
    private Reply replyTo(ReceivedRequest request) {
        Scripted scripted;
        Function<? super ReceivedRequest, Reply> respond;
        Reply fallback;
        synchronized (lock) {
            received.add(request);
            lock.notifyAll();
            scripted = script.poll();
            respond = responder;
            fallback = defaultReply;
        }
        if (scripted != null && scripted.reply() != null) {
            return scripted.reply();
        }
        Reply computed = respond == null ? fallback : respondSafely(respond, request);
        return scripted == null ? computed : computed.after(scripted.delay());
    }

    private static Reply respondSafely(Function<? super ReceivedRequest, Reply> respond,
            ReceivedRequest request) {
        try {
            Reply reply = respond.apply(request);
            if (reply != null) {
                return reply;
            }
            LOG.warn("Fake HTTP server: the responder returned null for {}; answering 500",
                    request);
            return Reply.text(500, SUBJECT + ": the responder returned null");
        } catch (RuntimeException e) {
            LOG.warn("Fake HTTP server: the responder failed for {}; answering 500", request, e);
            return Reply.text(500, SUBJECT + ": the responder failed: " + e);
        }
    }

    /** Answers a request when its delay ends, from the delay thread; false once closed. */
    private boolean hold(HttpExchange exchange, Reply reply) {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            held.add(exchange);
        }
        delays.schedule(() -> release(exchange, reply), reply.delay().toNanos(),
                TimeUnit.NANOSECONDS);
        return true;
    }

    private void release(HttpExchange exchange, Reply reply) {
        synchronized (lock) {
            if (!held.remove(exchange)) {
                return;
            }
        }
        try (exchange) {
            if (!reply.drops()) {
                send(exchange, reply);
            }
        } catch (IOException e) {
            LOG.debug("Fake HTTP server: the client of a delayed request is gone", e);
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            return body.length > MAX_BODY_BYTES ? null : body;
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach(exchange.getResponseHeaders()::set);
        byte[] bytes = reply.bodyBytes();
        boolean bodiless = bytes.length == 0 || "HEAD".equals(exchange.getRequestMethod())
                || reply.status() == 204 || reply.status() == 304;
        exchange.sendResponseHeaders(reply.status(), bodiless ? -1 : bytes.length);
        if (!bodiless) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "FakeHttpServer[" + baseUrl + ", " + received.size() + " requests, "
                    + script.size() + " scripted replies" + (closed ? ", closed" : "") + "]";
        }
    }

    /**
     * One scripted entry: a reply, or, when {@code reply} is null, a delay before the reply the
     * request would get otherwise.
     */
    private record Scripted(Reply reply, Duration delay) {
    }
}
