package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Coalescing of {@code google-sheets/append-row}: rows for the same place that come close
 * together go to Google in one request, through a real engine and the Sheets client over HTTP
 * against the fake, and each row keeps its own outcome.
 */
final class AppendCoalescingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(60);
    private static final String SUCCEEDED = "result.google-sheets.append-row.succeeded";
    /** Retries at once, so that tests need not move time. */
    private static final RetryPolicy QUICK = RetryPolicy.custom()
            .maxAttempts(5)
            .initialBackoff(Duration.ofMillis(1))
            .maxBackoff(Duration.ofMillis(10))
            .build();

    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private FakeSheetsServer fake;
    private RecipeEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void burstOfAThousandEvents_landsOnceEach_inFewAppendRequests() throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(RetryPolicy.ofDefaults(), "PT0.25S", "500"));

        List<String> ids = publishOrders(1000);
        awaitIdle();

        List<List<Object>> rows = fake.rows("1AbC", "Log");
        assertThat(rows).extracting(row -> row.get(0)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(rows).extracting(row -> row.get(2)).doesNotHaveDuplicates();
        assertThat(fake.appendRequests()).isLessThanOrEqualTo(60);
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(succeeded).hasSize(1000);
        List<JsonNode> results = succeeded.stream()
                .map(event -> event.data().path("result")).toList();
        assertThat(results).allSatisfy(result -> {
            assertThat(result.path("updatedRows").asInt()).isEqualTo(1);
            assertThat(result.path("alreadyWritten").asBoolean(true)).isFalse();
        });
        assertThat(results).extracting(result -> result.path("updatedRange").asText())
                .doesNotHaveDuplicates()
                .allSatisfy(range -> assertThat(range).matches("Log!A[0-9]+:C[0-9]+"));
    }

    @Test
    void steadyThousandEventsASecondIntoOneSheet_takeOneAppendPerDelay() throws Exception {
        fake = FakeSheetsServer.builder().writeQuotaPerMinute(60).start();
        start(engine(RetryPolicy.ofDefaults(), "PT1S", "2000"));

        long started = System.nanoTime();
        List<String> ids = new java.util.ArrayList<>();
        for (int second = 0; second < 3; second++) {
            long due = started + java.util.concurrent.TimeUnit.SECONDS.toNanos(second);
            while (System.nanoTime() < due) {
                Thread.sleep(1);
            }
            ids.addAll(publishOrders(1000, second * 1000));
        }
        awaitIdle();
        long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(
                System.nanoTime() - started);

        List<List<Object>> rows = fake.rows("1AbC", "Log");
        assertThat(rows).extracting(row -> row.get(0)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(rows).extracting(row -> row.get(2)).doesNotHaveDuplicates();
        // One append per second of the coalescing delay at most, whatever the rate: well
        // within Google's 60 writes a minute, and nothing refused for the quota.
        assertThat(fake.appendRequests()).isLessThanOrEqualTo((int) seconds + 1);
        assertThat(appendSizes()).anySatisfy(size -> assertThat(size).isGreaterThan(500));
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(succeeded).hasSize(3000);
    }

    @Test
    void eachRowsResult_namesTheRowItLandedIn() throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(RetryPolicy.ofDefaults(), "PT0.25S", "500"));

        publishOrders(40);
        awaitIdle();

        List<List<Object>> rows = fake.rows("1AbC", "Log");
        assertThat(succeeded).hasSize(40).allSatisfy(result -> {
            String range = result.data().path("result").path("updatedRange").asText();
            int row = Integer.parseInt(range.substring(range.lastIndexOf(':') + 2));
            String id = result.data().path("params").path("values").get(0).asText();
            assertThat(rows.get(row - 1).get(0)).isEqualTo(id);
            assertThat(rows.get(row - 1).get(2)).isEqualTo(
                    result.data().path("idempotencyKey").asText());
        });
    }

    @Test
    void maxRows_capsEachRequest() throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(RetryPolicy.ofDefaults(), "PT0.25S", "7"));

        publishOrders(50);
        awaitIdle();

        assertThat(fake.rows("1AbC", "Log")).hasSize(50);
        List<Integer> sizes = appendSizes();
        assertThat(sizes).allSatisfy(size -> assertThat(size).isBetween(1, 7));
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(50);
        assertThat(sizes).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void coalescingOff_sendsEachRowAlone() throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(RetryPolicy.ofDefaults(), "0", "500"));

        publishOrders(30);
        awaitIdle();

        assertThat(fake.rows("1AbC", "Log")).hasSize(30);
        assertThat(fake.appendRequests()).isEqualTo(30);
        assertThat(appendSizes()).containsOnly(1);
    }

    @Test
    void batchAnsweredWithAnErrorAfterItsWrite_eachRowRetriesAlone_andNoneIsWrittenTwice()
            throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(QUICK, "PT1S", "500"));
        // One row first: the next append then waits out the delay (long enough for the
        // publishing below on a busy machine), and the rows that come meanwhile go together.
        List<String> ids = new java.util.ArrayList<>(publishOrders(1, 100));
        awaitIdle();
        succeeded.clear();
        fake.failAfterWriteNextAppend(503);

        ids.addAll(publishOrders(30));
        awaitIdle();

        assertThat(fake.rows("1AbC", "Log")).extracting(row -> row.get(0))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(engine.deadLetters().list()).isEmpty();
        int firstBatch = appendSizes().get(1);
        assertThat(succeeded).hasSize(30);
        assertThat(succeeded.stream().filter(result -> result.data().path("result")
                .path("alreadyWritten").asBoolean())).hasSize(firstBatch)
                .allSatisfy(result -> assertThat(result.data().path("attempts").asInt())
                        .isGreaterThan(1));
        // The rows of the first batch look their keys up together, in fewer reads than rows.
        assertThat(firstBatch).isGreaterThan(1);
        assertThat(fake.readRequests()).isPositive().isLessThan(firstBatch);
    }

    @Test
    void batchRefusedPermanently_deadLettersEachOfItsRowsOnItsOwn() throws Exception {
        fake = FakeSheetsServer.start();
        start(engine(QUICK, "PT0.25S", "500"));
        fake.failNextAppend(400);

        publishOrders(20);
        awaitIdle();

        int firstBatch = appendSizes().get(0);
        List<DeadLetter> letters = engine.deadLetters().list();
        assertThat(letters).hasSize(firstBatch)
                .allSatisfy(letter -> {
                    assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
                    assertThat(letter.lastError()).contains("Google answered 400");
                })
                .extracting(DeadLetter::idempotencyKey).doesNotHaveDuplicates();
        assertThat(fake.rows("1AbC", "Log")).hasSize(20 - firstBatch);
        Set<String> written = fake.rows("1AbC", "Log").stream()
                .map(row -> (String) row.get(2)).collect(Collectors.toSet());
        assertThat(letters).extracting(DeadLetter::idempotencyKey)
                .noneMatch(written::contains);
    }

    @Test
    void rowsForDifferentRanges_goInSeparateRequests() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("1AbC", "Log", "Audit");
        engine = base(RetryPolicy.ofDefaults(), "PT0.25S", "500")
                .recipe(Recipe.named("order-log")
                        .when(Trigger.of("test.order"))
                        .then(GoogleSheets.appendRow("1AbC", "Log!A:C").column("/id")
                                .column("/n"))
                        .then(GoogleSheets.appendRow("1AbC", "Audit!A:C").column("/id"))
                        .build())
                .build();
        startBuilt();

        publishOrders(20);
        awaitIdle();

        assertThat(fake.rows("1AbC", "Log")).hasSize(20);
        assertThat(fake.rows("1AbC", "Audit")).hasSize(20);
        assertThat(fake.requests()).filteredOn(RecordedRequest::isAppend)
                .allSatisfy(request -> {
                    JsonNode body = body(request);
                    int width = body.path("range").asText().startsWith("Log") ? 2 : 1;
                    body.path("values").forEach(row -> assertThat(row.size()).isEqualTo(width));
                });
        assertThat(fake.appendRequests()).isLessThan(40);
    }

    /** The number of rows of each append request, in the order they came. */
    private List<Integer> appendSizes() {
        return fake.requests().stream().filter(RecordedRequest::isAppend)
                .map(request -> body(request).path("values").size()).toList();
    }

    private static JsonNode body(RecordedRequest request) {
        try {
            return JSON.readTree(request.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** An engine on the fake, with one recipe that logs orders with a key column. */
    private RecipeEngine.Builder engine(RetryPolicy policy, String delay, String maxRows) {
        fake.createSpreadsheet("1AbC", "Log");
        return base(policy, delay, maxRows)
                .recipe(Recipe.named("order-log")
                        .when(Trigger.of("test.order"))
                        .then(GoogleSheets.appendRow("1AbC", "Log!A:C")
                                .column("/id")
                                .column("/n")
                                .keyColumn("C"))
                        .build());
    }

    private RecipeEngine.Builder base(RetryPolicy policy, String delay, String maxRows) {
        return RecipeEngine.builder()
                .discoverServices(false)
                .service(new GoogleSheetsService())
                .retryPolicy(policy)
                .config("google-sheets.api-url", fake.apiUrl())
                .config("google-sheets.token-url", fake.tokenUrl())
                .config("google-sheets.coalesce-delay", delay)
                .config("google-sheets.coalesce-max-rows", maxRows);
    }

    private void start(RecipeEngine.Builder builder) {
        engine = builder.build();
        startBuilt();
    }

    private void startBuilt() {
        engine.connections().put(fake.newServiceAccount().connection());
        engine.bus().subscribe(SUCCEEDED, "test", succeeded::add);
        engine.start();
    }

    private void awaitIdle() throws InterruptedException {
        if (!engine.awaitIdle(IDLE)) {
            throw new AssertionError("engine did not become idle within " + IDLE);
        }
    }

    /** Publishes orders at once, waiting out a full queue; returns their ids. */
    private List<String> publishOrders(int count) throws Exception {
        return publishOrders(count, 0);
    }

    private List<String> publishOrders(int count, int first) throws Exception {
        List<String> ids = IntStream.range(first, first + count).mapToObj(i -> "A-" + i)
                .toList();
        for (int i = 0; i < count; i++) {
            Event order = Event.builder("test.order")
                    .id("order-" + ids.get(i))
                    .time(Instant.now())
                    .data(JSON.readTree("{\"id\":\"" + ids.get(i) + "\",\"n\":" + (first + i)
                            + "}"))
                    .build();
            while (true) {
                try {
                    engine.publish(order);
                    break;
                } catch (EventRejectedException e) {
                    Thread.sleep(10);
                }
            }
        }
        return ids;
    }
}
