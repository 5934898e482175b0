package dev.recipes.http.jdk;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.RequestParser.ParsedRequest;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one I/O thread: it accepts connections, reads and parses every request on a
 * selector, and hands each whole request to the worker pool, whose thread calls the handler
 * and writes the answer straight to the socket. Workers therefore never wait on a client, and
 * a connection costs no thread while it is idle or while its request trickles in; a request
 * line, headers and body must arrive within the request timeout, an answer the client stops
 * reading for as long is dropped with its connection, and an idle connection is closed after
 * the idle timeout. Answers that need no handler (404, 503 when the pool is full, and errors
 * in the request) are written by this thread.
 *
 * <p>One request per connection is handled at a time; bytes a client sends while its request
 * is being handled (pipelining) are held, up to {@link RequestParser#MAX_HEAD_BYTES}, and read
 * on when the answer is out. Bytes that arrive before the held ones are read on go after them,
 * so that requests are always read in the order sent.
 */
final class ServerLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(JdkWebhookServer.class);

    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int ACCEPTS_PER_WAKE = 64;
    /** How much of a refused request is read and dropped, as Tomcat's maxSwallowSize does. */
    private static final long SWALLOW_BYTES = 2L * 1024 * 1024;
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MIN_SWEEP_MILLIS = 10;
    private static final long MAX_SWEEP_MILLIS = 1000;

    private static final WebhookResponse BUSY = WebhookResponse.text(503,
            "webhook server: busy, try again later").withHeader("Retry-After", "1");
    private static final WebhookResponse NOT_FOUND = WebhookResponse.text(404,
            "webhook server: no webhooks at this path");
    private static final WebhookResponse TIMED_OUT = WebhookResponse.text(408,
            "webhook server: the request did not arrive in time");
    private static final WebhookResponse SERVER_ERROR = WebhookResponse.text(500,
            "webhook server: the webhook handler failed");

    /** What to do once an answer is out, and the {@code Connection} header that says so. */
    private enum After {
        KEEP(null),
        /** Keep the connection, and say so: an HTTP/1.0 client closes it otherwise. */
        KEEP_ANNOUNCED("keep-alive"),
        CLOSE("close"),
        LINGER("close");

        final String connection;

        After(String connection) {
            this.connection = connection;
        }
    }

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey acceptKey;
    private final ThreadPoolExecutor workers;
    private final WebhookHandler handler;
    private final String name;
    private final int maxBodyBytes;
    private final int maxConnections;
    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long sweepMillis;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Thread thread;

    private final BodyBudget budget;

    private volatile boolean running = true;
    // Set when the server starts to close: answers from then on close their connections.
    private volatile boolean draining;
    private long acceptPausedUntil;
    private long nextSweep;

    ServerLoop(Settings settings, ServerSocketChannel listener, ThreadPoolExecutor workers)
            throws IOException {
        this.listener = listener;
        this.workers = workers;
        this.handler = settings.handler();
        this.name = settings.name();
        this.maxBodyBytes = settings.maxBodyBytes();
        this.maxConnections = settings.maxConnections();
        this.budget = new BodyBudget(settings.maxBufferedBytes());
        this.requestTimeoutNanos = settings.requestTimeoutNanos();
        this.idleTimeoutNanos = settings.idleTimeoutNanos();
        this.sweepMillis = Math.max(MIN_SWEEP_MILLIS, Math.min(MAX_SWEEP_MILLIS,
                TimeUnit.NANOSECONDS.toMillis(Math.min(requestTimeoutNanos, idleTimeoutNanos))
                        / 4));
        this.selector = Selector.open();
        listener.configureBlocking(false);
        this.acceptKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this, "recipes-webhook-io");
        thread.setDaemon(true);
    }

    /** What the loop needs to know of the server's settings. */
    record Settings(WebhookHandler handler, String name, int maxBodyBytes, int maxConnections,
            long maxBufferedBytes, long requestTimeoutNanos, long idleTimeoutNanos) {
    }

    void start() {
        thread.start();
    }

    /** From now on, every answer closes its connection: the server is closing. */
    void drain() {
        draining = true;
    }

    /**
     * Answers 503 the requests that were waiting for a thread when the pool was stopped, so
     * that their clients get an answer rather than a closed connection.
     *
     * @param dropped what {@link ThreadPoolExecutor#shutdownNow()} returned
     */
    void refuse(List<Runnable> dropped) {
        for (Runnable task : dropped) {
            if (task instanceof Exchange exchange) {
                exchange.refuse();
            }
        }
    }

    /**
     * Stops the loop, closes every connection and the listening socket, and waits for the
     * thread to end.
     */
    void stop() {
        running = false;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        nextSweep = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sweepMillis);
        try {
            while (running) {
                selector.select(this::onReady, sweepMillis);
                runTasks();
                long now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    sweep(now);
                    nextSweep = now + TimeUnit.MILLISECONDS.toNanos(sweepMillis);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            LOG.error("Webhook server on {}: the I/O thread failed; no more requests are read",
                    name, e);
        } finally {
            shutDown();
        }
    }

    // ---- events on the selector

    private void onReady(SelectionKey key) {
        try {
            if (key == acceptKey) {
                accept();
                return;
            }
            Client client = (Client) key.attachment();
            if (key.isWritable()) {
                writePending(client);
            } else if (key.isReadable()) {
                read(client);
            }
        } catch (CancelledKeyException e) {
            // A worker closed the connection while it was ready: nothing left to do.
        } catch (RuntimeException | OutOfMemoryError e) {
            // Whatever went wrong is this connection's: the loop goes on serving the others.
            if (key.attachment() instanceof Client client) {
                client.close();
            }
            LOG.error("Webhook server on {}: a connection failed unexpectedly; closed it",
                    name, e);
        }
    }

    private void accept() {
        for (int i = 0; i < ACCEPTS_PER_WAKE; i++) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                // Most likely out of file descriptors: stop accepting for a moment rather than
                // spin on a listener that stays ready.
                LOG.warn("Webhook server on {}: cannot accept a connection ({}); pausing "
                        + "accepts for 100 ms", name, e.toString());
                acceptKey.interestOps(0);
                acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                return;
            }
            if (channel == null) {
                return;
            }
            if (!running || open.get() >= maxConnections) {
                refuse(channel);
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Client client = new Client(channel, new RequestParser(maxBodyBytes, budget));
                client.key = channel.register(selector, SelectionKey.OP_READ, client);
                open.incrementAndGet();
            } catch (IOException e) {
                closeQuietly(channel);
            }
        }
    }

    /** Answers a connection over the limit 503 at once, and closes it. */
    private void refuse(SocketChannel channel) {
        LOG.debug("Webhook server on {}: {} connections open, refusing another", name,
                open.get());
        try {
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(ResponseEncoder.encode(BUSY, false, "close")));
            channel.shutdownOutput();
        } catch (IOException e) {
            // Refused either way.
        }
        closeQuietly(channel);
    }

    private void read(Client client) {
        ByteBuffer in = readBuffer.clear();
        int count;
        try {
            count = client.channel.read(in);
        } catch (IOException e) {
            client.close();
            return;
        }
        in.flip();
        if (client.discardLeft > 0) {
            client.discardLeft -= Math.max(count, 0);
            if (count < 0 || client.discardLeft <= 0) {
                client.close();
            }
            return;
        }
        synchronized (client) {
            // While a request is being answered, or what came meanwhile is not read yet (its
            // resume is queued), new bytes go after the held ones: read now, they would
            // overtake them.
            if (client.busy || client.held != null || client.paused || client.inputEnded) {
                if (count < 0) {
                    client.inputEnded = true;
                    client.key.interestOps(0);
                } else {
                    client.hold(in);
                    if (client.held.remaining() > RequestParser.MAX_HEAD_BYTES) {
                        client.paused = true;
                        client.key.interestOps(0);
                    }
                }
                return;
            }
        }
        if (count < 0) {
            client.close();
            return;
        }
        parse(client, in);
    }

    /** Reads requests from the bytes received until one is whole, then hands it on. */
    private void parse(Client client, ByteBuffer in) {
        RequestParser parser = client.parser;
        while (true) {
            boolean wasIdle = !parser.inProgress();
            boolean whole;
            try {
                whole = parser.feed(in);
            } catch (HttpError e) {
                LOG.debug("Webhook server on {}: request refused {}: {}", name, e.status(),
                        e.getMessage());
                client.busy = true;
                parser.release();
                // Like Tomcat, and as the JDK's own server did, a client that asked is sent
                // 100 Continue before a refusal of its body too (413, or 503 when the bodies
                // held are at their bound): JDK 17's HttpClient, given a final answer instead
                // of the 100, waits for ever for the answer it already had.
                if (parser.takeContinueDue() && !sendContinue(client)) {
                    return;
                }
                WebhookResponse refusal = WebhookResponse.text(e.status(), "webhook server: "
                        + e.getMessage());
                send(client, e.status() == 503 ? refusal.withHeader("Retry-After", "1")
                        : refusal, false, After.LINGER);
                return;
            }
            if (wasIdle) {
                client.requestStarted = System.nanoTime();
            }
            if (parser.takeContinueDue() && !sendContinue(client)) {
                return;
            }
            if (!whole) {
                return;
            }
            ParsedRequest request = parser.take();
            synchronized (client) {
                client.busy = true;
                if (in.hasRemaining()) {
                    client.hold(in);
                }
            }
            if (!isRouted(request.path())) {
                budget.giveBack(request.budgetBytes());
                send(client, NOT_FOUND, "HEAD".equals(request.method()), keepAlive(request));
                return;
            }
            Exchange exchange = new Exchange(client, request);
            try {
                workers.execute(exchange);
            } catch (RejectedExecutionException e) {
                LOG.debug("Webhook server on {}: busy, answering 503", name);
                exchange.refuse();
            }
            return;
        }
    }

    private After keepAlive(ParsedRequest request) {
        if (!request.keepAlive() || !running || draining) {
            return After.CLOSE;
        }
        return request.http10() ? After.KEEP_ANNOUNCED : After.KEEP;
    }

    private static boolean isRouted(String path) {
        return path.startsWith(JdkWebhookServer.HOOKS_PATH)
                || path.startsWith(JdkWebhookServer.OAUTH_PATH);
    }

    private boolean sendContinue(Client client) {
        ByteBuffer out = ByteBuffer.wrap(ResponseEncoder.CONTINUE);
        try {
            client.channel.write(out);
        } catch (IOException e) {
            client.close();
            return false;
        }
        if (out.hasRemaining()) {
            // A client waiting for this reads nothing else: its socket buffer cannot be full.
            client.close();
            return false;
        }
        return true;
    }

    // ---- on a worker

    /** One whole request, waiting for a worker or being answered by one. */
    private final class Exchange implements Runnable {

        private final Client client;
        private final ParsedRequest request;

        Exchange(Client client, ParsedRequest request) {
            this.client = client;
            this.request = request;
        }

        @Override
        public void run() {
            try {
                serve(client, request);
            } finally {
                budget.giveBack(request.budgetBytes());
            }
        }

        /** Answers 503 without calling the handler. */
        void refuse() {
            budget.giveBack(request.budgetBytes());
            send(client, BUSY, false, After.CLOSE);
        }
    }

    private void serve(Client client, ParsedRequest parsed) {
        try {
            WebhookRequest request = new WebhookRequest(parsed.method(), parsed.path(),
                    parsed.query(), parsed.headers(), parsed.body());
            WebhookResponse response = callHandler(request);
            After after = ResponseEncoder.asksToClose(response) ? After.CLOSE
                    : keepAlive(parsed);
            send(client, response, "HEAD".equals(parsed.method()), after);
            if (LOG.isDebugEnabled()) {
                LOG.debug("Webhook request {} {} answered {}", parsed.method(), parsed.path(),
                        response.status());
            }
        } catch (RuntimeException e) {
            // Without this, the connection would stay busy, unanswered and unswept, for good.
            LOG.error("Webhook server on {}: answering {} {} failed; closing the connection",
                    name, parsed.method(), parsed.path(), e);
            client.close();
        }
    }

    private WebhookResponse callHandler(WebhookRequest request) {
        try {
            WebhookResponse response = handler.handle(request);
            if (response == null) {
                LOG.error("Webhook handler answered {} {} with null; answering 500",
                        request.method(), request.path());
            } else if (response.status() < 200) {
                // A client takes a 1xx answer as interim and would wait for the real one.
                LOG.error("Webhook handler answered {} {} with status {}, which is not a "
                        + "final answer; answering 500", request.method(), request.path(),
                        response.status());
            } else {
                return response;
            }
        } catch (RuntimeException | Error e) {
            LOG.error("Webhook handler failed on {} {}; answering 500",
                    request.method(), request.path(), e);
        }
        return SERVER_ERROR;
    }

    // ---- writing answers, on either thread

    private void send(Client client, WebhookResponse response, boolean head, After after) {
        byte[] bytes;
        try {
            bytes = ResponseEncoder.encode(response, head, after.connection);
        } catch (IllegalArgumentException e) {
            LOG.error("Webhook handler answered with a malformed header; answering 500", e);
            bytes = ResponseEncoder.encode(SERVER_ERROR, head, after.connection);
        }
        // A channel closes itself when a thread writing to it is interrupted; a handler's
        // interrupt, or the pool's at the drain deadline, must not cost the answer.
        boolean interrupted = Thread.interrupted();
        try {
            ByteBuffer out = ByteBuffer.wrap(bytes);
            try {
                while (out.hasRemaining() && client.channel.write(out) > 0) {
                    // Written as far as the socket buffer takes it.
                }
            } catch (IOException e) {
                client.close();
                return;
            }
            if (out.hasRemaining()) {
                onLoop(() -> {
                    client.pending = out;
                    client.pendingAfter = after;
                    client.lastWritten = System.nanoTime();
                    setInterest(client, SelectionKey.OP_WRITE);
                });
                return;
            }
            answered(client, after);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writePending(Client client) {
        ByteBuffer out = client.pending;
        try {
            if (client.channel.write(out) > 0) {
                client.lastWritten = System.nanoTime();
            }
        } catch (IOException e) {
            client.close();
            return;
        }
        if (!out.hasRemaining()) {
            client.pending = null;
            setInterest(client, SelectionKey.OP_READ);
            answered(client, client.pendingAfter);
        }
    }

    private void answered(Client client, After after) {
        switch (after) {
            case CLOSE -> {
                shutdownOutput(client);
                client.close();
            }
            case LINGER -> onLoop(() -> {
                // Read and drop what the client still sends, so that it reads the answer
                // rather than a reset connection, then close.
                shutdownOutput(client);
                client.discardLeft = SWALLOW_BYTES;
                client.lingerStarted = System.nanoTime();
                synchronized (client) {
                    client.held = null;
                    client.busy = false;
                }
                setInterest(client, SelectionKey.OP_READ);
            });
            case KEEP, KEEP_ANNOUNCED -> {
                boolean resume;
                synchronized (client) {
                    client.busy = false;
                    client.lastActive = System.nanoTime();
                    resume = client.held != null || client.paused || client.inputEnded;
                }
                if (resume) {
                    // Queued even on the loop's thread: a run of pipelined requests answered
                    // there is then taken one by one, not by recursion.
                    tasks.add(() -> resume(client));
                    if (Thread.currentThread() != thread) {
                        selector.wakeup();
                    }
                }
            }
            default -> throw new IllegalStateException(after.name());
        }
    }

    /** Goes on with what a client sent while its last request was being handled. */
    private void resume(Client client) {
        ByteBuffer held;
        synchronized (client) {
            if (client.busy || !client.channel.isOpen()) {
                return;
            }
            held = client.held;
            client.held = null;
            if (client.paused) {
                client.paused = false;
                setInterest(client, SelectionKey.OP_READ);
            }
        }
        if (held != null) {
            parse(client, held);
        }
        boolean allAnswered;
        synchronized (client) {
            // A worker may have answered the request just handed on already: then what is
            // still held has its own resume queued, and only nothing held means all is done.
            allAnswered = client.inputEnded && !client.busy && client.held == null;
        }
        if (allAnswered) {
            client.close();
        }
    }

    private void setInterest(Client client, int ops) {
        try {
            client.key.interestOps(ops);
        } catch (CancelledKeyException e) {
            // Closed meanwhile.
        }
    }

    /** Runs an action on the loop's thread: at once if called there, else at its next turn. */
    private void onLoop(Runnable action) {
        if (Thread.currentThread() == thread) {
            action.run();
        } else {
            tasks.add(action);
            selector.wakeup();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("Webhook server on {}: a connection task failed", name, e);
            }
        }
    }

    // ---- timeouts

    private void sweep(long now) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        for (SelectionKey key : selector.keys()) {
            if (!(key.attachment() instanceof Client client) || !key.isValid()) {
                continue;
            }
            // An answer being written keeps its connection busy until it is all out; a busy
            // connection is otherwise the handler's, whose time does not count.
            if (client.pending != null) {
                sweepWrite(client, now);
            } else if (!client.busy) {
                sweep(client, now);
            }
        }
    }

    /** Drops a connection whose client has not taken a byte of its answer for too long. */
    private void sweepWrite(Client client, long now) {
        if (now - client.lastWritten > requestTimeoutNanos) {
            LOG.debug("Webhook server on {}: a client stopped reading its answer", name);
            client.close();
        }
    }

    private void sweep(Client client, long now) {
        if (client.discardLeft > 0) {
            if (now - client.lingerStarted > LINGER_NANOS) {
                client.close();
            }
        } else if (client.parser.inProgress()) {
            if (now - client.requestStarted > requestTimeoutNanos) {
                LOG.debug("Webhook server on {}: a request did not arrive in time", name);
                client.busy = true;
                send(client, TIMED_OUT, false, After.CLOSE);
            }
        } else if (now - client.lastActive > idleTimeoutNanos) {
            client.close();
        }
    }

    private void shutDown() {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Client client) {
                client.close();
            }
        }
        closeQuietly(listener);
        try {
            // Deregisters the closed channels, which releases their sockets and the port.
            selector.selectNow();
            selector.close();
        } catch (IOException e) {
            LOG.debug("Webhook server on {}: closing the selector failed: {}", name,
                    e.toString());
        }
    }

    private static void shutdownOutput(Client client) {
        try {
            client.channel.shutdownOutput();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing more to release.
        }
    }

    /**
     * One connection. The parser and the timing fields are the loop thread's; {@code busy},
     * {@code held}, {@code paused} and {@code inputEnded} are shared with the worker that
     * answers the connection's request, under the connection's lock.
     */
    private final class Client {

        final SocketChannel channel;
        final RequestParser parser;
        SelectionKey key;

        volatile boolean busy;
        ByteBuffer held;
        boolean paused;
        boolean inputEnded;
        private boolean closed;

        ByteBuffer pending;
        After pendingAfter;
        long lastWritten;
        volatile long lastActive = System.nanoTime();
        long requestStarted;
        long discardLeft;
        long lingerStarted;

        Client(SocketChannel channel, RequestParser parser) {
            this.channel = channel;
            this.parser = parser;
        }

        /** Keeps the rest of {@code in}, after what is held already. Under the lock. */
        void hold(ByteBuffer in) {
            int size = (held == null ? 0 : held.remaining()) + in.remaining();
            ByteBuffer more = ByteBuffer.allocate(size);
            if (held != null) {
                more.put(held);
            }
            more.put(in);
            held = more.flip();
        }

        void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            open.decrementAndGet();
            // Only the loop parses, and never while a worker owns the connection, so a body
            // being received is the loop's to give back; this is a no-op on a worker.
            if (Thread.currentThread() == thread) {
                parser.release();
            }
            closeQuietly(channel);
        }
    }
}
