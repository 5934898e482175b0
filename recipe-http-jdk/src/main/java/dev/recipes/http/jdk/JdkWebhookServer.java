package dev.recipes.http.jdk;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.webhook.WebhookHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 server for webhooks, built on the JDK alone ({@code java.nio}): it hands every
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
 * A handler that throws, answers null, answers a 1xx status or sets a header that cannot be
 * sent gives 500.
 *
 * <p>One I/O thread reads every connection and parses its requests; a request is handed to the
 * handler's threads (a fixed number, with a bounded queue) only once it has arrived whole, so a
 * slow or stalling client holds no handler thread. A request must arrive within the request
 * timeout (10 seconds by default) or gets 408, a client that takes no byte of its answer for as
 * long loses its connection, an idle kept-alive connection is closed after the idle timeout (30
 * seconds), and past the connection limit (1,000) new connections get 503 and are closed.
 * Request bodies held at once, over all connections, are bounded too (a quarter of the heap by
 * default): past it, a request gets 503. When the handler's threads and queue are full, a
 * request gets 503 with {@code Retry-After: 1} right away. Requests are parsed strictly (RFC
 * 9112): a request whose framing could be read two ways, such as one with both
 * {@code Content-Length} and {@code Transfer-Encoding}, gets 400, as does an HTTP/1.1 request
 * without exactly one {@code Host}; {@code chunked} is the only transfer coding taken, and
 * {@code Expect: 100-continue} is answered with 100, even before a 413.
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

    private static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    private static final int DEFAULT_QUEUE_CAPACITY = 64;
    private static final int MIN_DEFAULT_THREADS = 2;
    private static final int MAX_DEFAULT_THREADS = 32;
    private static final Duration DEFAULT_DRAIN_DEADLINE = Duration.ofSeconds(2);
    private static final int DEFAULT_MAX_CONNECTIONS = 1000;
    private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    private static final int BACKLOG = 1024;
    private static final Duration INTERRUPTED_WAIT = Duration.ofMillis(500);

    private final ServerLoop loop;
    private final ThreadPoolExecutor workers;
    private final InetSocketAddress address;
    private final int threads;
    private final int queueCapacity;
    private final int maxBodyBytes;
    private final int maxConnections;
    private final long maxBufferedBytes;
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
        this.maxConnections = builder.maxConnections == null
                ? DEFAULT_MAX_CONNECTIONS : builder.maxConnections;
        Duration requestTimeout = builder.requestTimeout == null
                ? DEFAULT_REQUEST_TIMEOUT : builder.requestTimeout;
        Duration idleTimeout = builder.idleTimeout == null
                ? DEFAULT_IDLE_TIMEOUT : builder.idleTimeout;
        this.maxBufferedBytes = builder.maxBufferedBytes == null
                ? Math.max(maxBodyBytes, Runtime.getRuntime().maxMemory() / 4)
                : builder.maxBufferedBytes;
        ServerSocketChannel listener = bind(builder.address);
        this.address = localAddress(listener);
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                queue(queueCapacity), threadFactory("recipes-webhook"),
                new ThreadPoolExecutor.AbortPolicy());
        workers.prestartAllCoreThreads();
        try {
            this.loop = new ServerLoop(new ServerLoop.Settings(builder.handler,
                    describe(address), maxBodyBytes, maxConnections, maxBufferedBytes,
                    requestTimeout.toNanos(), idleTimeout.toNanos()), listener, workers);
        } catch (IOException e) {
            workers.shutdownNow();
            closeQuietly(listener);
            throw new UncheckedIOException("webhook server: cannot start on " + address, e);
        }
        loop.start();
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
     * Stops the server: requests that arrive from now on get 503, and every answer from now on
     * closes its connection; requests already taken may finish within the drain deadline (2
     * seconds by default). At the deadline, requests still waiting for a thread get 503 and
     * running ones are interrupted; what they answer within half a second more is still sent.
     * Then the port is released and every connection closed. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loop.drain();
        workers.shutdown();
        if (!awaitTermination(workers, drainDeadline)) {
            LOG.warn("Webhook server on {}: requests still running after the drain deadline of "
                    + "{}; interrupting them", describe(address), drainDeadline);
            loop.refuse(workers.shutdownNow());
            // The interrupted handlers' answers (500 from most) still go out if they come soon.
            awaitTermination(workers, INTERRUPTED_WAIT);
        }
        loop.stop();
        LOG.info("Webhook server on {} stopped", describe(address));
    }

    @Override
    public String toString() {
        return "JdkWebhookServer[" + describe(address) + ", " + threads + " threads, queue "
                + queueCapacity + ", max body " + maxBodyBytes + " bytes, max "
                + maxConnections + " connections, max " + maxBufferedBytes + " body bytes held"
                + (closed.get() ? ", closed" : "") + "]";
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":"
                + address.getPort();
    }

    private static ServerSocketChannel bind(InetSocketAddress address) {
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            listener.bind(address, BACKLOG);
            return listener;
        } catch (IOException e) {
            if (listener != null) {
                closeQuietly(listener);
            }
            throw new UncheckedIOException("webhook server: cannot listen on " + address, e);
        }
    }

    private static InetSocketAddress localAddress(ServerSocketChannel listener) {
        try {
            return (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException e) {
            closeQuietly(listener);
            throw new UncheckedIOException("webhook server: cannot read the bound address", e);
        }
    }

    private static void closeQuietly(ServerSocketChannel listener) {
        try {
            listener.close();
        } catch (IOException e) {
            // Nothing more to release.
        }
    }

    private static BlockingQueue<Runnable> queue(int capacity) {
        return capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
    }

    // As many as the processors: for a handler that only computes, as the engine's does with
    // its in-memory stores, more threads share the processors, each request taking longer, and
    // take turns with the I/O thread, which then reads later. In the ingress benchmark on 2
    // processors, 4 threads answered as many, up to a tenth more when saturated, at a p99 15
    // to 50 % higher.
    private static int defaultThreads() {
        int processors = Runtime.getRuntime().availableProcessors();
        return Math.max(MIN_DEFAULT_THREADS, Math.min(processors, MAX_DEFAULT_THREADS));
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
        private Integer maxConnections;
        private Duration requestTimeout;
        private Duration idleTimeout;
        private Long maxBufferedBytes;

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
         * Sets how many requests run at once; as many as the processors, at least 2 and at
         * most 32, by default. That suits a handler that only computes, as the engine's does
         * with in-memory stores and bus: more threads take turns on the processors, which
         * lengthens each request. A handler that waits on a remote system, such as an engine on
         * the Redis bus or on JDBC stores, needs more, about the processors times one plus its
         * waiting over its computing time.
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
         * Sets how many connections may be open at once; 1,000 by default. A connection past
         * it is answered 503 and closed at once.
         *
         * @param maxConnections a positive number
         * @return this builder
         * @throws IllegalArgumentException if the number is not positive
         * @throws IllegalStateException if the number was set before
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("webhook server: max connections "
                        + maxConnections + " must be positive");
            }
            this.maxConnections = setOnce(this.maxConnections, maxConnections,
                    "max connections");
            return this;
        }

        /**
         * Sets how many bytes of request bodies the server holds at once, over all its
         * connections: bodies arriving and bodies of requests being handled. A request whose
         * body would pass it gets 503 with {@code Retry-After: 1}. It bounds the memory that
         * clients sending large bodies slowly can take, which the connection and body limits
         * alone would let reach their product (1,000 MiB with the defaults). A quarter of the
         * heap's maximum by default, and never less than the body limit.
         *
         * @param maxBufferedBytes at least the body limit, 1 MiB by default
         * @return this builder
         * @throws IllegalArgumentException if the number is not positive
         * @throws IllegalStateException if the number was set before
         */
        public Builder maxBufferedBytes(long maxBufferedBytes) {
            if (maxBufferedBytes < 1) {
                throw new IllegalArgumentException("webhook server: max buffered bytes "
                        + maxBufferedBytes + " must be positive");
            }
            this.maxBufferedBytes = setOnce(this.maxBufferedBytes, maxBufferedBytes,
                    "max buffered bytes");
            return this;
        }

        /**
         * Sets how long a request may take to arrive, from its first byte to its last; 10
         * seconds by default. A request still incomplete after it gets 408 and its connection
         * is closed, so that clients sending slowly on purpose hold nothing for long. A client
         * that takes no byte of its answer for as long loses its connection too; one that reads
         * slowly but steadily gets its answer however long it takes. The handler's own time
         * does not count.
         *
         * @param requestTimeout positive
         * @return this builder
         * @throws IllegalArgumentException if the timeout is not positive
         * @throws IllegalStateException if the timeout was set before
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = setOnce(this.requestTimeout,
                    positive(requestTimeout, "request timeout"), "request timeout");
            return this;
        }

        /**
         * Sets how long a kept-alive connection may stay idle between requests before the
         * server closes it; 30 seconds by default.
         *
         * @param idleTimeout positive
         * @return this builder
         * @throws IllegalArgumentException if the timeout is not positive
         * @throws IllegalStateException if the timeout was set before
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = setOnce(this.idleTimeout,
                    positive(idleTimeout, "idle timeout"), "idle timeout");
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
            int bodyLimit = maxBodyBytes == null ? DEFAULT_MAX_BODY_BYTES : maxBodyBytes;
            if (maxBufferedBytes != null && maxBufferedBytes < bodyLimit) {
                throw new IllegalStateException("webhook server: max buffered bytes "
                        + maxBufferedBytes + " is less than the max body bytes " + bodyLimit
                        + ", so a body at the limit could never be taken");
            }
            return new JdkWebhookServer(this);
        }

        private static Duration positive(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("webhook server: " + what + " " + value
                        + " must be positive");
            }
            return value;
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
