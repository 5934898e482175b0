package dev.recipes.benchmarks;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load driver: it sends the requests of a batch at a fixed rate, each at its own
 * time from the start, whether or not earlier ones have been answered, as webhook providers
 * do. One thread paces the requests and hands each to an asynchronous {@link HttpClient}, so
 * that a slow answer delays no later request; when that thread falls behind, it sends at once
 * and the lag is recorded.
 *
 * <p>One sender runs one batch at a time.
 */
final class PacedSender {

    /** The status recorded for a request that got no answer. */
    static final int DROPPED = -1;

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final InetSocketAddress server;

    /**
     * Creates a sender.
     *
     * @param server where to send the requests
     */
    PacedSender(InetSocketAddress server) {
        this.server = server;
    }

    /**
     * Sends every request of a batch once, paced, and waits until all are answered or failed.
     *
     * @param requests the batch, signed whole HTTP requests
     * @param perSecond how many requests to start each second
     * @return each request's status, and how far the pacing fell behind
     * @throws InterruptedException if interrupted while waiting for the answers
     */
    Outcome send(SlackRequests requests, int perSecond) throws InterruptedException {
        HttpRequest[] prepared = new HttpRequest[requests.size()];
        URI uri = URI.create("http://127.0.0.1:" + server.getPort() + SlackRequests.PATH);
        for (int i = 0; i < prepared.length; i++) {
            prepared[i] = toHttpRequest(uri, requests.request(i));
        }
        int[] statuses = new int[prepared.length];
        Arrays.fill(statuses, DROPPED);
        CompletableFuture<?>[] answers = new CompletableFuture<?>[prepared.length];
        ExecutorService executor = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "paced-sender");
            thread.setDaemon(true);
            return thread;
        });
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(executor).build();
        long period = 1_000_000_000L / perSecond;
        long maxLag = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < prepared.length; i++) {
                long due = start + i * period;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                maxLag = Math.max(maxLag, -wait);
                int index = i;
                answers[i] = client.sendAsync(prepared[i], HttpResponse.BodyHandlers.discarding())
                        .handle((response, failure) -> {
                            statuses[index] = response == null ? DROPPED
                                    : response.statusCode();
                            return null;
                        });
            }
            long sent = System.nanoTime() - start;
            CompletableFuture.allOf(answers).join();
            return new Outcome(statuses, sent, System.nanoTime() - start, maxLag);
        } finally {
            executor.shutdownNow();
            executor.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // Splits a whole request from SlackRequests into the headers the ingress checks and the body.
    private static HttpRequest toHttpRequest(URI uri, byte[] whole) {
        String text = new String(whole, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(text.substring(end + 4)));
        for (String line : text.substring(0, end).split("\r\n")) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon);
            if (name.equalsIgnoreCase("Content-Type") || name.startsWith("X-Slack-")) {
                builder.header(name, line.substring(colon + 1).strip());
            }
        }
        return builder.build();
    }

    /**
     * What happened to a paced batch.
     *
     * @param statuses each request's HTTP status, or {@link #DROPPED}
     * @param sendingNanos from the first request started to the last
     * @param elapsedNanos from the first request started to the last answer
     * @param maxLagNanos how late, at most, a request was started against its due time
     */
    record Outcome(int[] statuses, long sendingNanos, long elapsedNanos, long maxLagNanos) {

        /**
         * Counts the requests answered with a status.
         *
         * @param status an HTTP status, or {@link #DROPPED}
         * @return the count
         */
        int count(int status) {
            return (int) Arrays.stream(statuses).filter(s -> s == status).count();
        }
    }
}
