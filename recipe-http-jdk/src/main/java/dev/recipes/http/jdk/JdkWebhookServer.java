package dev.recipes.http.jdk;

import com.sun.net.httpserver.HttpServer;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.webhook.WebhookHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server for webhooks on the JDK's own {@code com.sun.net.httpserver}: it hands every
 * request under {@code /hooks/} (webhooks) and {@code /oauth/} (the pages of OAuth installs) to
 * a {@link WebhookHandler}, such as {@link RecipeEngine#webhooks()}, and writes back the
 * handler's answer as it is.
 *
 * <pre>{@code
 * try (JdkWebhookServer server = JdkWebhookServer.start(engine, new InetSocketAddress(8080))) {
 *     // Slack posts to http://<host>:8080/hooks/slack
 * }
 * }</pre>
 *
 * <p>The handler gets the method, the raw path and query, every header with all its values, and
 * the body's exact bytes, so that signatures can be checked on what the sender signed. Other
 * paths get 404 without reaching the handler. A body over the limit (1 MiB by default) gets 413:
 * at once when {@code Content-Length} says so, or as soon as a chunked body passes the limit.
 * Requests run on a fixed number of threads with a bounded queue; when both are full, a request
 * gets 503 with {@code Retry-After: 1} right away. A handler that throws gives 500.
 *
 * <p>Limitation: the JDK server reads a request's line and headers on a worker thread and has no
 * read timeout of its own, so clients that open connections and then stall hold the workers,
 * and enough of them keep well-formed requests from being answered at all, 503 included. Put the
 * server behind a reverse proxy that buffers whole requests (as nginx does by default) wherever
 * clients other than the webhook senders can reach it; the system property
 * {@code sun.net.httpserver.maxReqTime} (seconds) bounds how long one request may take to
 * arrive. Before answering 413 to a body
 * whose declared length is at most 2 MiB, the server reads and drops it, so that the client reads
 * the answer; a client sending a larger or a chunked body may see the connection reset instead.
 *
 * <p>Unless the system property {@code sun.net.httpserver.nodelay} is set, this class sets it to
 * {@code true} when it is loaded: without it the JDK server answers every request about 40 ms
 * late. The JDK reads the property once, so it has effect only if no JDK HTTP server started
 * before in the process.
 *
 * <p>The server is thread-safe. {@link #close()} stops it and releases the port.
 */
public final class JdkWebhookServer implements AutoCloseable {

    /** The path prefix under which webhooks go to the handler. */
    public static final String HOOKS_PATH = "/hooks/";

    /** The path prefix under which the pages of OAuth installs go to the handler. */
    public static final String OAUTH_PATH = "/oauth/";

    /** The largest body limit the server can hold in one array. */
    public static final int MAX_BODY_LIMIT = Integer.MAX_VALUE - 8;

    private static final Logger LOG = LoggerFactory.getLogger(JdkWebhookServer.class);

    // The JDK server writes a response's headers and body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK, adding about 40 ms to every answer. The JDK reads
    // the property once, when its first server starts, so it is set here unless already set.
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }
    private static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    private static final int DEFAULT_QUEUE_CAPACITY = 64;
    private static final int MAX_DEFAULT_THREADS = 32;
    private static final Duration DEFAULT_DRAIN_DEADLINE = Duration.ofSeconds(2);
    // Refusals wait here for the two threads that answer them 503. Each is one connection's
    // request, already accepted by the JDK server, so this bounds connections, not bodies.
    private static final int REJECTION_QUEUE_CAPACITY = 4096;
    private static final int REJECTION_THREADS = 2;
    private static final Duration REJECTER_STOP_WAIT = Duration.ofMillis(500);

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor rejecter;
    private final InetSocketAddress address;
    private final int threads;
    private final int queueCapacity;
    private final int maxBodyBytes;
    private final Duration drainDeadline;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JdkWebhookServer(Builder builder) {
        this.threads = builder.threads == null ? defaultThreads() : builder.threads;
        this.queueCapacity = builder.queueCapacity == null
                ? DEFAULT_QUEUE_CAPACITY : builder.queueCapacity;
        this.maxBodyBytes = builder.maxBodyBytes == null
                ? DEFAULT_MAX_BODY_BYTES : builder.maxBodyBytes;
        this.drainDeadline = builder.drainDeadline == null
                ? DEFAULT_DRAIN_DEADLINE : builder.drainDeadline;
        this.server = bind(builder.address);
        this.address = server.getAddress();
        this.rejecter = new ThreadPoolExecutor(REJECTION_THREADS, REJECTION_THREADS, 0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(REJECTION_QUEUE_CAPACITY),
                threadFactory("recipes-webhook-rejecter"), new ThreadPoolExecutor.AbortPolicy());
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                queue(queueCapacity), threadFactory("recipes-webhook"), this::reject);
        server.createContext("/", new WebhookExchangeHandler(builder.handler, maxBodyBytes));
        server.setExecutor(workers);
        server.start();
        LOG.info("Webhook server listening on {}, taking webhooks under {} and OAuth pages "
                + "under {}", describe(address), HOOKS_PATH, OAUTH_PATH);
    }

    /**
     * Starts a server with the default settings that hands webhooks to an engine.
     *
     * @param engine the engine, whose {@link RecipeEngine#webhooks()} answers the requests
     * @param address where to listen; port 0 picks a free port
     * @return the running server
     * @throws UncheckedIOException if the server cannot listen on the address
     */
    public static JdkWebhookServer start(RecipeEngine engine, InetSocketAddress address) {
        Objects.requireNonNull(engine, "engine");
        return builder(engine.webhooks()).address(address).start();
    }

    /**
     * Starts configuring a server.
     *
     * @param handler the handler that answers requests under {@code /hooks/} and
     *     {@code /oauth/}; it must be thread-safe
     * @return a builder
     */
    public static Builder builder(WebhookHandler handler) {
        return new Builder(Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Returns the address the server listens on, with the actual port if port 0 was asked for.
     *
     * @return the bound address
     */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Returns the port the server listens on.
     *
     * @return the bound port
     */
    public int port() {
        return address.getPort();
    }

    /**
     * Stops the server: requests that arrive from now on get 503, requests already taken may
     * finish within the drain deadline (2 seconds by default) and are interrupted after it, then
     * the port is released and every connection closed. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        workers.shutdown();
        if (!awaitTermination(workers, drainDeadline)) {
            LOG.warn("Webhook server on {}: requests still running after the drain deadline of "
                    + "{}; interrupting them", describe(address), drainDeadline);
            workers.shutdownNow();
        }
        server.stop(0);
        rejecter.shutdownNow();
        awaitTermination(rejecter, REJECTER_STOP_WAIT);
        LOG.info("Webhook server on {} stopped", describe(address));
    }

    @Override
    public String toString() {
        return "JdkWebhookServer[" + describe(address) + ", " + threads + " threads, queue "
                + queueCapacity + ", max body " + maxBodyBytes + " bytes"
                + (closed.get() ? ", closed" : "") + "]";
    }

    /**
     * Called when every worker is busy and the queue is full, or the server is closing. The
     * exchange still has to read its request line and headers, which may block on a slow
     * client, so it runs on threads of their own rather than on the server's dispatcher thread;
     * there it answers 503 without reading the body. When even their queue of 4,096 is full,
     * the exception makes the JDK server close the connection.
     */
    private void reject(Runnable exchange, ThreadPoolExecutor pool) {
        LOG.debug("Webhook server on {}: busy, answering 503", describe(address));
        try {
            rejecter.execute(() -> WebhookExchangeHandler.runRejected(exchange));
        } catch (RejectedExecutionException e) {
            throw new RejectedExecutionException("webhook server on " + describe(address)
                    + ": busy, closing the connection", e);
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":"
                + address.getPort();
    }

    private static HttpServer bind(InetSocketAddress address) {
        try {
            return HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("webhook server: cannot listen on " + address, e);
        }
    }

    private static BlockingQueue<Runnable> queue(int capacity) {
        return capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
    }

    private static int defaultThreads() {
        return Math.min(2 * Runtime.getRuntime().availableProcessors(), MAX_DEFAULT_THREADS);
    }

    private static ThreadFactory threadFactory(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static boolean awaitTermination(ThreadPoolExecutor pool, Duration timeout) {
        try {
            return pool.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Configures and starts a {@link JdkWebhookServer}. Each setting is checked when it is set
     * and may be set once. Not thread-safe.
     */
    public static final class Builder {

        private final WebhookHandler handler;
        private InetSocketAddress address;
        private Integer maxBodyBytes;
        private Integer threads;
        private Integer queueCapacity;
        private Duration drainDeadline;

        private Builder(WebhookHandler handler) {
            this.handler = handler;
        }

        /**
         * Sets where to listen; required.
         *
         * @param address the address; port 0 picks a free port
         * @return this builder
         * @throws IllegalStateException if the address was set before
         */
        public Builder address(InetSocketAddress address) {
            this.address = setOnce(this.address, Objects.requireNonNull(address, "address"),
                    "address");
            return this;
        }

        /**
         * Sets the largest request body accepted, in bytes; 1 MiB by default. Larger bodies get
         * 413.
         *
         * @param maxBodyBytes from 0 to {@link JdkWebhookServer#MAX_BODY_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException if the limit is out of range
         * @throws IllegalStateException if the limit was set before
         */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 0 || maxBodyBytes > MAX_BODY_LIMIT) {
                throw new IllegalArgumentException("webhook server: max body bytes "
                        + maxBodyBytes + " is not between 0 and " + MAX_BODY_LIMIT);
            }
            this.maxBodyBytes = setOnce(this.maxBodyBytes, maxBodyBytes, "max body bytes");
            return this;
        }

        /**
         * Sets how many requests run at once; twice the number of processors, at most 32, by
         * default.
         *
         * @param threads a positive number
         * @return this builder
         * @throws IllegalArgumentException if the number is not positive
         * @throws IllegalStateException if the number was set before
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("webhook server: threads " + threads
                        + " must be positive");
            }
            this.threads = setOnce(this.threads, threads, "threads");
            return this;
        }

        /**
         * Sets how many requests may wait for a thread; 64 by default. Requests beyond it get
         * 503 with {@code Retry-After: 1}.
         *
         * @param queueCapacity zero or more; zero means no request waits
         * @return this builder
         * @throws IllegalArgumentException if the capacity is negative
         * @throws IllegalStateException if the capacity was set before
         */
        public Builder queueCapacity(int queueCapacity) {
            if (queueCapacity < 0) {
                throw new IllegalArgumentException("webhook server: queue capacity "
                        + queueCapacity + " must not be negative");
            }
            this.queueCapacity = setOnce(this.queueCapacity, queueCapacity, "queue capacity");
            return this;
        }

        /**
         * Sets how long {@link JdkWebhookServer#close()} lets running requests finish; 2 seconds
         * by default.
         *
         * @param drainDeadline zero or more
         * @return this builder
         * @throws IllegalArgumentException if the deadline is negative
         * @throws IllegalStateException if the deadline was set before
         */
        public Builder drainDeadline(Duration drainDeadline) {
            Objects.requireNonNull(drainDeadline, "drainDeadline");
            if (drainDeadline.isNegative()) {
                throw new IllegalArgumentException("webhook server: drain deadline "
                        + drainDeadline + " must not be negative");
            }
            this.drainDeadline = setOnce(this.drainDeadline, drainDeadline, "drain deadline");
            return this;
        }

        /**
         * Binds the address and starts serving.
         *
         * @return the running server
         * @throws IllegalStateException if no address was set
         * @throws UncheckedIOException if the server cannot listen on the address
         */
        public JdkWebhookServer start() {
            if (address == null) {
                throw new IllegalStateException("webhook server: address is not set");
            }
            return new JdkWebhookServer(this);
        }

        private static <T> T setOnce(T current, T value, String what) {
            if (current != null) {
                throw new IllegalStateException("webhook server: " + what + " already set to "
                        + current);
            }
            return value;
        }
    }
}
