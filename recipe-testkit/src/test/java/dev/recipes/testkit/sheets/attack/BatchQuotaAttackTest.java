package dev.recipes.testkit.sheets.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batched appends ({@code google-sheets.coalesce-delay} and {@code coalesce-max-rows}) under
 * attack: rows for several places in one recipe, ambiguous failures, quota refusals in the
 * middle of a burst, the extreme settings, an engine closed while a batch waits, and bad
 * parameters mixed into a batch. Every accepted row must be written or dead-lettered, never
 * both and never twice.
 */
final class BatchQuotaAttackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(30);
    private static final String SUCCEEDED = "result.google-sheets.append-row.succeeded";
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(10)
            .initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(50)).build();

    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private FakeSheetsServer fake;
    private RecipeEngine engine;
    private int published;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    /** Rows whose spreadsheet and range come from each event land in their own place once. */
    @Test
    void perEventPlacesWithAmbiguousFailures_eachRowLandsOnceInItsOwnPlace() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log", "Other");
        fake.createSpreadsheet("S2", "Log");
        start(base(QUICK, "PT0.25S", "500").recipe(recipe("places", perEventStep())));
        fake.failAfterWriteNextAppend(503);
        fake.failAfterWriteNextAppend(503);
        fake.failNextGet(503);

        String[][] places = {{"S1", "Log!A:B"}, {"S2", "Log!A:B"}, {"S1", "Other!A:B"}};
        for (int i = 0; i < 60; i++) {
            String[] place = places[i % 3];
            publish(row("P-" + i, place[0], place[1]));
        }
        awaitIdle();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(succeeded).hasSize(60);
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(20)
                .allSatisfy(id -> assertThat(number(id) % 3).isZero());
        assertThat(ids("S2", "Log")).doesNotHaveDuplicates().hasSize(20)
                .allSatisfy(id -> assertThat(number(id) % 3).isEqualTo(1));
        assertThat(ids("S1", "Other")).doesNotHaveDuplicates().hasSize(20)
                .allSatisfy(id -> assertThat(number(id) % 3).isEqualTo(2));
        // Each result names the row of its own place that holds its own id.
        assertThat(succeeded).allSatisfy(result -> {
            JsonNode params = result.data().path("params");
            String range = result.data().path("result").path("updatedRange").asText();
            String sheet = range.substring(0, range.indexOf('!'));
            int rowNumber = Integer.parseInt(range.replaceAll(".*[A-Z]([0-9]+)$", "$1"));
            List<List<Object>> rows = fake.rows(params.path("spreadsheetId").asText(), sheet);
            assertThat(params.path("range").asText()).startsWith(sheet + "!");
            assertThat(rows.get(rowNumber - 1).get(0))
                    .isEqualTo(params.path("values").get(0).asText());
        });
    }

    /** A 429 in the middle of a burst holds the appends back; none is lost or doubled. */
    @Test
    void quotaRefusalsMidBurst_loseNoRow_andDoubleNone() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log", "Other");
        start(base(QUICK, "PT0.2S", "500")
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").keyColumn("D")))
                .recipe(recipe("plain", GoogleSheets.appendRow("S1", "Other!A:B")
                        .column("/id"))));
        // Two refusals in a row: about 1 s, then about 2 s of hold (Google's own backoff).
        fake.failNextAppend(429);
        fake.failNextAppend(429);

        for (int i = 0; i < 40; i++) {
            publish(row("Q-" + i, "S1", "Log!A:B"));
            if (i == 20) {
                Thread.sleep(300);
            }
        }
        awaitIdle();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(fake.failedAppends()).isGreaterThanOrEqualTo(2);
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(40);
        assertThat(ids("S1", "Other")).doesNotHaveDuplicates().hasSize(40);
        assertThat(succeeded).hasSize(80);
    }

    /** A quota refusal with a short Retry-After, then an ambiguous failure, with a key. */
    @Test
    void retryAfterThenAmbiguous503_withAKeyColumn_writesEachRowOnce() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT0.2S", "7")
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").keyColumn("C"))));
        fake.failNextAppend(429, "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}",
                Map.of("Retry-After", "1"));
        fake.failAfterWriteNextAppend(503);
        fake.failAfterWriteNextAppend(500);

        for (int i = 0; i < 30; i++) {
            publish(row("R-" + i, "S1", "Log!A:B"));
        }
        awaitIdle();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(30);
        assertThat(succeeded).hasSize(30);
    }

    /** One row a request and the longest delay: each row goes alone, once. */
    @Test
    void maxRowsOneAndTheLongestDelay_writeEachRowOnce() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT10S", "1")
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").keyColumn("C"))));
        fake.failAfterWriteNextAppend(503);

        for (int i = 0; i < 15; i++) {
            publish(row("M-" + i, "S1", "Log!A:B"));
        }
        awaitIdle();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(15);
        assertThat(succeeded).hasSize(15);
    }

    /** Closing while a batch waits its 10-second delay: each row written or dead-lettered. */
    @Test
    void closeWhileABatchWaitsItsDelay_writesOrDeadLettersEachRowOnce() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT10S", "500").drainDeadline(Duration.ofSeconds(1))
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").keyColumn("C"))));

        for (int i = 0; i < 12; i++) {
            publish(row("C-" + i, "S1", "Log!A:B"));
        }
        Thread.sleep(300);
        engine.close();

        assertEachWrittenOrDeadLetteredOnce(12);
    }

    /**
     * Closing while a full batch waits for its place's turn (one request per delay): the batch
     * was taken before the close, so each of its rows must still be written or dead-lettered.
     */
    @Test
    void closeWhileAFullBatchWaitsItsTurn_writesOrDeadLettersEachRowOnce() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT6S", "5").drainDeadline(Duration.ofSeconds(1))
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").keyColumn("C"))));

        for (int i = 0; i < 5; i++) {
            publish(row("T-" + i, "S1", "Log!A:B"));
        }
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (fake.appendRequests() < 1 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        for (int i = 5; i < 10; i++) {
            publish(row("T-" + i, "S1", "Log!A:B"));
        }
        Thread.sleep(300);
        engine.close();
        // Past the place's turn, so that a request still on its way has arrived.
        Thread.sleep(6_500);

        assertEachWrittenOrDeadLetteredOnce(10);
    }

    /** Rows with bad parameters in a batch fail alone; the good rows go out together, once. */
    @Test
    void badRowsMixedIntoABatch_failAlone() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT0.3S", "500").recipe(recipe("places", perEventStep())));

        List<ObjectNode> bad = new ArrayList<>();
        bad.add(row("B-0", "S1", "Log!A:B").put("keyColumn", "A"));
        bad.add(row("B-1", "S1", "Log!A:B").put("valueInputOption", "HTML"));
        bad.add(row("B-2", "S1", "Log!!A:B"));
        bad.add(row("B-3", "", "Log!A:B"));
        ObjectNode nested = row("B-4", "S1", "Log!A:B");
        nested.withArray("values").addObject().put("n", 1);
        bad.add(nested);
        ObjectNode empty = row("B-5", "S1", "Log!A:B");
        empty.putArray("values");
        bad.add(empty);
        ObjectNode stamp = row("B-6", "S1", "Log!A:B");
        stamp.putArray("timestampColumns").add(0);
        bad.add(stamp);
        ObjectNode outOfRange = row("B-7", "S1", "Log!A:B");
        outOfRange.putArray("timestampColumns").add(9);
        bad.add(outOfRange);
        bad.add(row("B-8", "S1", "Log!A:B").put("keyColumn", "ZZZZ"));

        int good = 0;
        for (int i = 0; i < 30; i++) {
            if (i % 3 == 1 && i / 3 < bad.size()) {
                publish(bad.get(i / 3));
            }
            publish(row("G-" + i, "S1", "Log!A:B"));
            good++;
        }
        awaitIdle();

        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(good)
                .allSatisfy(id -> assertThat(String.valueOf(id)).startsWith("G-"));
        assertThat(succeeded).hasSize(good);
        List<DeadLetter> letters = engine.deadLetters().list();
        assertThat(letters).hasSize(bad.size()).allSatisfy(letter ->
                assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE));
        assertThat(fake.appendRequests()).isLessThan(good);
    }

    /**
     * Large rows that each fit easily, sent together: the coalescer caps a request at about
     * 2 MB of JSON, but every row must still land once, each alone if need be.
     */
    @Test
    void largeRowsTogether_eachLandsOnce() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT0.5S", "500")
                .recipe(recipe("keyed", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").column("/big").keyColumn("C"))));

        String big = "x".repeat(5_000);
        for (int i = 0; i < 250; i++) {
            publish(row("L-" + i, "S1", "Log!A:B").put("big", big));
        }
        awaitIdle();

        List<DeadLetter> letters = engine.deadLetters().list();
        assertThat(letters.size()).as("rows dead-lettered, the first for: %s",
                letters.isEmpty() ? "" : letters.get(0).lastError()).isZero();
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(250);
    }

    @Test
    void rowsOfTwoByteCharactersAreSplitByTheirBytesNotTheirCharacters() throws Exception {
        fake = FakeSheetsServer.start();
        fake.createSpreadsheet("S1", "Log");
        start(base(QUICK, "PT0.5S", "500")
                .recipe(recipe("wide", GoogleSheets.appendRow("S1", "Log!A:B")
                        .column("/id").column("/big"))));

        // 250 rows of 5,000 characters of two bytes each: 1.25 million characters, which
        // would go as one request by count, but 2.5 MB, over the 2 MB a request may carry.
        String wide = String.valueOf((char) 0xE9).repeat(5_000);
        for (int i = 0; i < 250; i++) {
            publish(row("W-" + i, "S1", "Log!A:B").put("big", wide));
        }
        awaitIdle();

        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(ids("S1", "Log")).doesNotHaveDuplicates().hasSize(250);
        assertThat(fake.requests()).filteredOn(request -> request.path().endsWith(":append"))
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(request -> assertThat(request.body()
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                        .isLessThanOrEqualTo(2_100_000));
    }

    // Helpers.

    private void assertEachWrittenOrDeadLetteredOnce(int accepted) {
        List<String> writtenKeys = new ArrayList<>();
        for (List<Object> row : fake.rows("S1", "Log")) {
            writtenKeys.add(String.valueOf(row.get(2)));
        }
        List<String> deadKeys = engine.deadLetters().list().stream()
                .map(DeadLetter::idempotencyKey).toList();
        assertThat(writtenKeys).as("rows written").doesNotHaveDuplicates();
        assertThat(deadKeys).as("dead letters").doesNotHaveDuplicates();
        Set<String> both = new HashSet<>(writtenKeys);
        both.retainAll(deadKeys);
        assertThat(both).as("rows both written and dead-lettered").isEmpty();
        assertThat(writtenKeys.size() + deadKeys.size())
                .as("rows written (%s) plus dead letters (%s)", writtenKeys, deadKeys)
                .isEqualTo(accepted);
    }

    /** An append-row step whose place, values and options all come from the event. */
    private static ActionStep perEventStep() {
        return ActionStep.of("google-sheets", "append-row")
                .pointer("spreadsheetId", "/sheet")
                .pointer("range", "/range")
                .pointer("values", "/values")
                .pointer("keyColumn", "/keyColumn")
                .pointer("valueInputOption", "/valueInputOption")
                .pointer("timestampColumns", "/timestampColumns")
                .build();
    }

    private static ObjectNode row(String id, String sheet, String range) {
        ObjectNode data = JSON.createObjectNode().put("id", id).put("sheet", sheet)
                .put("range", range).put("keyColumn", "D").put("valueInputOption", "RAW");
        data.putArray("values").add(id).add("text of " + id);
        data.putArray("timestampColumns");
        return data;
    }

    private static Recipe recipe(String id, ActionStep step) {
        return Recipe.named(id).when(Trigger.of("test.order")).then(step).build();
    }

    private static int number(Object id) {
        String text = String.valueOf(id);
        return Integer.parseInt(text.substring(text.indexOf('-') + 1));
    }

    private List<Object> ids(String spreadsheetId, String sheet) {
        return fake.rows(spreadsheetId, sheet).stream().map(row -> row.get(0)).toList();
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
        engine.connections().put(fake.newServiceAccount().connection());
        engine.bus().subscribe(SUCCEEDED, "attack-test", succeeded::add);
        engine.start();
    }

    private void awaitIdle() throws InterruptedException {
        if (!engine.awaitIdle(IDLE)) {
            throw new AssertionError("engine did not become idle within " + IDLE);
        }
    }

    private void publish(JsonNode data) throws InterruptedException {
        Event event = Event.builder("test.order").id("order-" + (++published))
                .time(Instant.now()).data(data).build();
        while (true) {
            try {
                engine.publish(event);
                return;
            } catch (EventRejectedException e) {
                Thread.sleep(10);
            }
        }
    }
}
