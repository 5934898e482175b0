package dev.recipes.benchmarks;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop HTTP/1.1 load driver on plain sockets: a fixed number of keep-alive
 * connections, each on a thread of its own, sends one request, reads the whole answer and sends
 * the next, until every request of a batch has been sent once. A request is never sent again:
 * one that gets no answer (the server closed or reset the connection) counts as dropped, and
 * its connection is opened again for the next request. An answer with {@code Connection: close}
 * closes the connection after it.
 *
 * <p>It records each request's status and its latency, from the first byte written to the last
 * byte of the answer read. One driver runs one batch at a time.
 */
final class LoadDriver {

    /** The status recorded for a request that got no answer. */
    static final int DROPPED = -1;

    private static final int MAX_HEAD_BYTES = 16 * 1024;

    private final InetSocketAddress server;
    private final int connections;

    /**
     * Creates a driver.
     *
     * @param server where to send the requests
     * @param connections how many connections send at once
     */
    LoadDriver(InetSocketAddress server, int connections) {
        this.server = server;
        this.connections = connections;
    }

    /**
     * Sends every request of a batch once, and waits until all are answered or dropped.
     *
     * @param requests the batch
     * @return what happened to each request
     * @throws InterruptedException if interrupted while waiting for the connections' threads
     */
    Outcome send(SlackRequests requests) throws InterruptedException {
        int[] statuses = new int[requests.size()];
        long[] latencies = new long[requests.size()];
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            threads.add(new Thread(() -> drive(requests, next, statuses, latencies),
                    "load-driver-" + i));
        }

        long start = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        return new Outcome(statuses, latencies, System.nanoTime() - start);
    }

    // One connection's loop: long, since it must not allocate or branch more than it needs.
    private void drive(SlackRequests requests, AtomicInteger next, int[] statuses,
            long[] latencies) {
        Socket socket = null;
        InputStream in = null;
        OutputStream out = null;
        int index;
        while ((index = next.getAndIncrement()) < requests.size()) {
            long sent = System.nanoTime();
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.setTcpNoDelay(true);
                    socket.connect(server);
                    in = new BufferedInputStream(socket.getInputStream());
                    out = socket.getOutputStream();
                }
                out.write(requests.request(index));
                out.flush();
                Answer answer = read(in);
                latencies[index] = System.nanoTime() - sent;
                statuses[index] = answer.status;
                if (answer.close) {
                    socket = close(socket);
                }
            } catch (IOException e) {
                statuses[index] = DROPPED;
                socket = close(socket);
            }
        }
        close(socket);
    }

    private static Socket close(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // Nothing to do: the connection is gone either way.
            }
        }
        return null;
    }

    private record Answer(int status, boolean close) {
    }

    private static Answer read(InputStream in) throws IOException {
        String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 ") || head.length() < 12) {
            throw new IOException("load driver: not an HTTP/1.1 answer");
        }
        int status = Integer.parseInt(head.substring(9, 12));
        long length = 0;
        boolean close = false;
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring("content-length:".length()).trim());
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            } else if (lower.startsWith("transfer-encoding:")) {
                throw new IOException("load driver: chunked answers are not expected");
            }
        }
        in.skipNBytes(length);
        return new Answer(status, close);
    }

    private static String readHead(InputStream in) throws IOException {
        byte[] head = new byte[MAX_HEAD_BYTES];
        int size = 0;
        while (size < 4 || head[size - 4] != '\r' || head[size - 3] != '\n'
                || head[size - 2] != '\r' || head[size - 1] != '\n') {
            int read = in.read();
            if (read < 0) {
                throw new EOFException("load driver: connection closed before an answer");
            }
            if (size == head.length) {
                throw new IOException("load driver: answer head over " + MAX_HEAD_BYTES);
            }
            head[size++] = (byte) read;
        }
        return new String(head, 0, size, StandardCharsets.ISO_8859_1);
    }

    /**
     * What happened to a batch.
     *
     * @param statuses each request's HTTP status, or {@link #DROPPED}
     * @param latencies each answered request's latency in nanoseconds
     * @param elapsedNanos from the first request sent to the last answer
     */
    record Outcome(int[] statuses, long[] latencies, long elapsedNanos) {

        /**
         * Counts the requests answered with a status.
         *
         * @param status an HTTP status, or {@link #DROPPED}
         * @return the count
         */
        int count(int status) {
            return (int) Arrays.stream(statuses).filter(s -> s == status).count();
        }

        /**
         * Returns the latencies of the answered requests, sorted.
         *
         * @return nanoseconds, ascending
         */
        long[] sortedLatencies() {
            long[] answered = new long[statuses.length - count(DROPPED)];
            int n = 0;
            for (int i = 0; i < statuses.length; i++) {
                if (statuses[i] != DROPPED) {
                    answered[n++] = latencies[i];
                }
            }
            Arrays.sort(answered);
            return answered;
        }
    }
}
