package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.TestServiceAccount;
import dev.recipes.testkit.slack.SlackRequest;
import dev.recipes.testkit.slack.SlackSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * Two copies of the example app, each in a JVM of its own, share one Redis (the one on
 * 127.0.0.1:6379, under a key prefix of this test's own): signed webhooks spread over both
 * ingresses become exactly one row each at the fake Sheets server, also when one copy is killed
 * with SIGKILL halfway and the survivor takes its unfinished work over.
 */
final class SharedRedisProcessesTest {

    private static final int EVENTS = 10_000;
    private static final Secret SECRET = Secret.of("shared-redis-signing-secret");
    private static final String SHEET = "1SharedRedis";
    private static final Duration WAIT = Duration.ofMinutes(4);
    private static final String REDIS_URL = "redis://127.0.0.1:6379";

    @TempDir
    Path dir;

    private final String prefix = "test:shared:" + UUID.randomUUID() + ":";
    private final List<App> apps = new ArrayList<>();
    private FakeSheetsServer sheets;
    private Path keyFile;

    /** One copy of the app: its process, port and log. */
    private record App(String name, Process process, int port, Path log) {
        URI baseUrl() {
            return URI.create("http://127.0.0.1:" + port);
        }
    }

    @BeforeEach
    void start() throws Exception {
        try (Jedis redis = new Jedis(URI.create(REDIS_URL))) {
            assertThat(redis.ping()).as("Redis must answer on 127.0.0.1:6379 (.ci/run starts it)")
                    .isEqualTo("PONG");
        }
        sheets = FakeSheetsServer.start();
        sheets.createSpreadsheet(SHEET, "Log");
        TestServiceAccount account = sheets.newServiceAccount();
        keyFile = account.writeKeyFile(dir.resolve("service-account.json"));
        apps.add(launch("a"));
        apps.add(launch("b"));
        for (App app : apps) {
            awaitListening(app);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (App app : apps) {
            app.process().destroy();
        }
        for (App app : apps) {
            if (!app.process().waitFor(30, TimeUnit.SECONDS)) {
                app.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (sheets != null) {
            sheets.close();
        }
        deleteKeys();
    }

    @Test
    void tenThousandWebhooksOverTwoProcessesGiveTenThousandRows() throws Exception {
        sendAll(messages(), () -> { });

        assertExactlyOneRowPerMessage();
    }

    @Test
    void aProcessKilledHalfwayLosesNothingAndDoublesNothing() throws Exception {
        App victim = apps.get(0);
        sendAll(messages(), () -> {
            victim.process().destroyForcibly();
        });

        assertThat(victim.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(victim.process().exitValue()).as("killed with SIGKILL").isEqualTo(137);
        assertExactlyOneRowPerMessage();
    }

    private List<SlackRequest> messages() {
        SlackSimulator slack = SlackSimulator.of(SECRET);
        List<SlackRequest> requests = new ArrayList<>(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            requests.add(slack.message("C0SHARED", "U0USER" + (i % 7), "message " + i).build());
        }
        return requests;
    }

    private void assertExactlyOneRowPerMessage() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int lastCount = -1;
        long stillSince = System.nanoTime();
        while (sheets.rows(SHEET, "Log").size() < EVENTS || !redisSettled()) {
            int count = sheets.rows(SHEET, "Log").size();
            if (count != lastCount) {
                lastCount = count;
                stillSince = System.nanoTime();
            }
            // Settled with rows missing: nothing more is coming.
            boolean stuck = System.nanoTime() - stillSince > TimeUnit.SECONDS.toNanos(20)
                    && redisSettled();
            if (stuck || System.nanoTime() > deadline) {
                fail("after " + WAIT + ": " + sheets.rows(SHEET, "Log").size() + " rows of "
                        + EVENTS + ", Redis settled: " + redisSettled() + ", missing: "
                        + missing() + warnings() + logs());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        Set<Object> texts = rows.stream().map(row -> row.get(3)).collect(Collectors.toSet());
        assertThat(rows).as("rows" + logs()).hasSize(EVENTS);
        assertThat(texts).as("distinct message texts").hasSize(EVENTS);
        for (App app : apps) {
            assertThat(Files.readString(app.log())).as("log of app " + app.name())
                    .doesNotContain("dead-lettered");
        }
    }

    // Every stream of the test's prefix has been read and acknowledged by every group, and no
    // retry waits in the delayed set.
    private boolean redisSettled() {
        try (Jedis redis = new Jedis(URI.create(REDIS_URL))) {
            for (String key : redis.keys(prefix + "*")) {
                String type = redis.type(key);
                if (type.equals("zset") && redis.zcard(key) > 0) {
                    return false;
                }
                if (type.equals("stream")) {
                    for (StreamGroupInfo group : redis.xinfoGroups(key)) {
                        Object lag = group.getGroupInfo().get("lag");
                        if (group.getPending() > 0 || (lag != null && ((Long) lag) != 0L)) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }
    }

    /**
     * Sends every message from several clients, spread over the two apps; a message one app
     * refuses or cannot take (it is gone) goes to the other, as a load balancer in front of
     * them would send Slack's redelivery. {@code halfway} runs once half the messages are in.
     */
    private void sendAll(List<SlackRequest> requests, Runnable halfway) throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger halfwayRun = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                SlackRequest request = requests.get(i);
                int first = i % apps.size();
                sent.add(clients.submit(() -> {
                    deliver(http, request, first);
                    if (accepted.incrementAndGet() >= EVENTS / 2
                            && halfwayRun.compareAndSet(0, 1)) {
                        halfway.run();
                    }
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(accepted.get()).isEqualTo(EVENTS);
    }

    private void deliver(HttpClient http, SlackRequest request, int first) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        SlackRequest attempt = request;
        for (int retry = 0; ; retry++) {
            App app = apps.get((first + retry) % apps.size());
            String outcome;
            try {
                WebhookResponse response = attempt.sendTo(app.baseUrl());
                if (response.status() == 200) {
                    return;
                }
                outcome = "status " + response.status();
            } catch (UncheckedIOException e) {
                outcome = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("message " + request.eventId().orElse("?")
                        + " was not taken: " + outcome);
            }
            if (retry % apps.size() == apps.size() - 1) {
                // Both refused: back off a little before the next round, as a sender would.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            attempt = request.redelivered(retry + 1, "http_error");
        }
    }

    private App launch(String name) throws IOException {
        int port = freePort();
        Path log = dir.resolve("app-" + name + ".log");
        String classPath = System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path"));
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-cp", classPath,
                SlackToSheetsApp.class.getName());
        Map<String, String> env = builder.environment();
        env.putAll(Map.of(
                "RECIPE_HTTP_HOST", "127.0.0.1",
                "RECIPE_HTTP_PORT", String.valueOf(port),
                "SLACK_SIGNING_SECRET", SECRET.reveal(),
                "GOOGLE_SERVICE_ACCOUNT_JSON", keyFile.toString(),
                "GOOGLE_SHEETS_API_URL", sheets.apiUrl(),
                "GOOGLE_TOKEN_URL", sheets.tokenUrl(),
                "SHEET_ID", SHEET,
                "SHEET_RANGE", "Log!A:D",
                "SHEET_KEY_COLUMN", "E"));
        Map<String, String> redis = new HashMap<>();
        redis.put("RECIPE_REDIS_URL", REDIS_URL);
        redis.put("RECIPE_REDIS_PREFIX", prefix);
        redis.put("RECIPE_REDIS_CLAIM_IDLE", "PT2S");
        redis.put("RECIPE_ACTION_LEASE", "PT4S");
        env.putAll(redis);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new App(name, builder.start(), port, log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void awaitListening(App app) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                http.send(HttpRequest.newBuilder(app.baseUrl().resolve("/hooks/slack")).GET()
                        .build(), BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                if (!app.process().isAlive() || System.nanoTime() > deadline) {
                    fail("app " + app.name() + " did not start listening" + logs());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    private List<String> missing() {
        Set<Object> texts = sheets.rows(SHEET, "Log").stream().map(row -> row.get(3))
                .collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < EVENTS && missing.size() < 20; i++) {
            if (!texts.contains("message " + i)) {
                missing.add("message " + i);
            }
        }
        return missing;
    }

    private String warnings() {
        StringBuilder text = new StringBuilder();
        for (App app : apps) {
            try {
                text.append("\n--- warnings of app ").append(app.name()).append(" ---\n");
                Files.readAllLines(app.log()).stream()
                        .filter(line -> line.contains("WARN") || line.contains("ERROR"))
                        .limit(40).forEach(line -> text.append(line).append('\n'));
            } catch (IOException e) {
                text.append("(no log)");
            }
        }
        return text.toString();
    }

    private String logs() {
        StringBuilder text = new StringBuilder();
        for (App app : apps) {
            try {
                List<String> lines = Files.readAllLines(app.log());
                text.append("\n--- last lines of app ").append(app.name()).append(" ---\n");
                lines.subList(Math.max(0, lines.size() - 30), lines.size())
                        .forEach(line -> text.append(line).append('\n'));
            } catch (IOException e) {
                text.append("\n(no log of app ").append(app.name()).append(")");
            }
        }
        return text.toString();
    }

    private void deleteKeys() {
        try (Jedis redis = new Jedis(URI.create(REDIS_URL))) {
            Set<String> keys = redis.keys(prefix + "*");
            if (!keys.isEmpty()) {
                redis.del(keys.toArray(String[]::new));
            }
        }
    }
}
