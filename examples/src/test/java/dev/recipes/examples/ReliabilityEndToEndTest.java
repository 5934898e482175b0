package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackRequest;
import dev.recipes.testkit.slack.SlackSimulator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signed webhooks over real HTTP into the engine, rows out at the fake Sheets server, with
 * redeliveries and failing appends on the way: every message becomes exactly one row.
 */
final class ReliabilityEndToEndTest {

    private static final Secret SECRET = Secret.of("reliability-signing-secret");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String SHEET = "1Reliable";

    private FakeSheetsServer sheets;
    private RecipeEngine engine;
    private JdkWebhookServer server;
    private SlackSimulator slack;

    @BeforeEach
    void start() {
        sheets = FakeSheetsServer.start();
        sheets.createSpreadsheet(SHEET, "Log");
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(SECRET))
                .service(new GoogleSheetsService())
                .config("google-sheets.api-url", sheets.apiUrl())
                .config("google-sheets.token-url", sheets.tokenUrl())
                .retryPolicy(RetryPolicy.custom().maxAttempts(10)
                        .initialBackoff(Duration.ofMillis(2)).maxBackoff(Duration.ofMillis(50))
                        .build())
                .recipe(Recipe.named("log").when(Slack.message())
                        .then(GoogleSheets.appendRow(SHEET, "Log!A:B")
                                .column(Event::id)
                                .column("/event/text"))
                        .build())
                .build();
        engine.connections().put(sheets.newServiceAccount().connection());
        engine.start();
        server = JdkWebhookServer.builder(engine.webhooks())
                .address(new InetSocketAddress("127.0.0.1", 0)).start();
        slack = SlackSimulator.of(SECRET).withTarget(URI.create("http://127.0.0.1:"
                + server.port()));
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
        sheets.close();
    }

    @Test
    void thousandWebhooksWithDuplicatesAndTransientFailuresGiveExactlyAThousandRows()
            throws Exception {
        sheets.failAppendsRandomly(0.2, 503, 42);
        List<SlackRequest> requests = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            requests.add(slack.message("C0LOAD", "U0USER1", "message " + i).build());
        }
        List<SlackRequest> deliveries = new ArrayList<>(requests);
        for (int i = 0; i < 1_000; i += 10) {
            deliveries.add(requests.get(i).redelivered(1, "http_timeout"));
        }

        sendAll(deliveries);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        List<List<Object>> rows = sheets.rows(SHEET, "Log");
        assertThat(rows).hasSize(1_000);
        assertThat(rows.stream().map(row -> row.get(1)).collect(Collectors.toSet()))
                .hasSize(1_000);
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(sheets.failedAppends()).isGreaterThan(100);
    }

    @Test
    void permanentFailuresEndInTheDeadLettersAndReplaySucceedsOnceTheApiRecovers()
            throws Exception {
        sheets.failAppendsRandomly(1.0, 400, 7);
        List<SlackRequest> requests = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            requests.add(slack.message("C0LOAD", "U0USER1", "doomed " + i).build());
        }

        sendAll(requests);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows(SHEET, "Log")).isEmpty();
        List<DeadLetter> letters = engine.deadLetters().list();
        assertThat(letters).hasSize(20).allSatisfy(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
            assertThat(letter.lastError()).contains("400");
        });

        sheets.stopFailingRandomly();
        letters.forEach(letter -> engine.replay(letter.id()));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(sheets.rows(SHEET, "Log")).hasSize(20);
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    /** Sends from several clients at once; a 503 is redelivered later, as Slack would. */
    private void sendAll(List<SlackRequest> deliveries) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (SlackRequest delivery : deliveries) {
                statuses.add(clients.submit(() -> deliver(delivery)));
            }
            Set<Integer> seen = new java.util.HashSet<>();
            for (Future<Integer> status : statuses) {
                seen.add(status.get());
            }
            assertThat(seen).containsOnly(200);
        } finally {
            clients.shutdownNow();
        }
    }

    private int deliver(SlackRequest request) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        SlackRequest attempt = request;
        for (int retry = 1; ; retry++) {
            WebhookResponse response = attempt.send();
            if (response.status() != 503 || System.nanoTime() > deadline) {
                return response.status();
            }
            engine.bus().awaitIdle(Duration.ofMillis(20));
            attempt = request.redelivered(retry, "http_error");
        }
    }
}
