package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.polling.PollingTrigger;
import dev.recipes.core.polling.StateStore;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.ManualScheduler;
import dev.recipes.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Sheets "new row" and "row changed" triggers end to end: an engine on manual time polls
 * the fake Sheets server over loopback HTTP with {@code spreadsheets.values.get}, while the
 * test edits the sheet as a person would, and each event appends a row to a log sheet.
 */
final class SheetsRowTriggersTest {

    private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final String SHEET = "1AbC";

    private final MutableClock clock = new MutableClock(START);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    private final TestServiceAccount account = fake.newServiceAccount();
    private final StateStore state = StateStore.inMemory();
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        fake.close();
    }

    private static Recipe logEach(PollingTrigger trigger) {
        return Recipe.named("log-orders").when(trigger.jitter(Duration.ZERO))
                .then(GoogleSheets.appendRow(SHEET, "Log!A:C")
                        .column("/values/0")
                        .column("/values/1")
                        .column("/row"))
                .build();
    }

    private void start(PollingTrigger trigger) throws InterruptedException {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new GoogleSheetsService())
                .clock(clock)
                .scheduler(scheduler)
                .state(state)
                .drainDeadline(Duration.ofMillis(500))
                .config("google-sheets.api-url", fake.apiUrl())
                .config("google-sheets.token-url", fake.tokenUrl())
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        events.add(event);
                    }
                })
                .recipe(logEach(trigger))
                .build();
        engine.connections().put(account.connection());
        engine.start();
        advance(Duration.ZERO);
    }

    private void advance(Duration duration) throws InterruptedException {
        scheduler.advance(duration);
        assertThat(engine.awaitIdle(IDLE)).isTrue();
    }

    private void sheet(List<?>... rows) {
        List<List<Object>> copy = new ArrayList<>();
        for (List<?> row : rows) {
            copy.add(new ArrayList<>(row));
        }
        fake.replaceRows(SHEET, "Orders", copy);
    }

    private List<List<Object>> logged() {
        return fake.rows(SHEET, "Log");
    }

    @Test
    void newRow_firesEachAppendedRowOnce_andNotTheLastRowOnEveryPoll() throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L), List.of("o-2", 20L));
        start(GoogleSheets.newRow(SHEET, "Orders!A:B"));

        sheet(List.of("o-1", 10L), List.of("o-2", 20L), List.of("o-3", 30L));
        advance(MINUTE);
        advance(MINUTE);
        advance(MINUTE);

        assertThat(logged()).containsExactly(List.of("o-3", 30L, 3L));
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo("google-sheets.new-row");
            assertThat(event.source()).hasToString(
                    "/poll/google-sheets/default/1AbC/Orders!A:B/new-row");
            assertThat(event.data().get("spreadsheetId").asText()).isEqualTo(SHEET);
        });
        assertThat(fake.readRequests()).isEqualTo(4);
    }

    @Test
    void newRow_byContent_insertedDeletedAndMovedRowsFireOnlyWhatIsNew() throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L), List.of("o-2", 20L), List.of("o-3", 30L));
        start(GoogleSheets.newRow(SHEET, "Orders!A:B"));

        sheet(List.of("o-3", 30L), List.of("o-new", 5L), List.of("o-1", 10L));
        advance(MINUTE);
        sheet(List.of("o-3", 30L), List.of("o-new", 5L), List.of("o-1", 10L),
                List.of("o-1", 10L));
        advance(MINUTE);

        // The second "o-1" is a row of its own: the same cells as one before it.
        assertThat(logged()).containsExactly(List.of("o-new", 5L, 2L), List.of("o-1", 10L, 4L));
    }

    @Test
    void newRow_byKeyColumn_editsFireNothing_andARowWaitsForItsKey() throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("id", "amount"), List.of("o-1", 10L));
        start(GoogleSheets.newRow(SHEET, "Orders!A2:B", "A"));

        sheet(List.of("id", "amount"), List.of("o-1", 11L), List.of("", 20L));
        advance(MINUTE);
        sheet(List.of("id", "amount"), List.of("o-2", 20L), List.of("o-1", 11L));
        advance(MINUTE);

        assertThat(logged()).containsExactly(List.of("o-2", 20L, 2L));
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.id()).isEqualTo("k:o-2");
            assertThat(event.subject()).isEqualTo("o-2");
        });
    }

    @Test
    void rowChanged_firesEachNewContentOnce_whereverTheRowMoved() throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L), List.of("o-2", 20L));
        start(GoogleSheets.rowChanged(SHEET, "Orders!A:B", "A"));

        sheet(List.of("o-1", 10L), List.of("o-2", 25L));
        advance(MINUTE);
        sheet(List.of("o-0", 1L), List.of("o-2", 25L), List.of("o-1", 10L));
        advance(MINUTE);
        advance(MINUTE);

        assertThat(logged()).containsExactly(List.of("o-2", 25L, 2L), List.of("o-0", 1L, 1L));
        assertThat(events).extracting(Event::type).containsOnly("google-sheets.row-changed");
    }

    @Test
    void restartedEngine_firesRowsAddedWhileItWasDown_andNothingItFiredBefore()
            throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L));
        start(GoogleSheets.newRow(SHEET, "Orders!A:B", "A"));
        sheet(List.of("o-1", 10L), List.of("o-2", 20L));
        advance(MINUTE);
        engine.close();

        sheet(List.of("o-0", 5L), List.of("o-1", 10L), List.of("o-2", 20L), List.of("o-3", 30L));
        clock.advance(Duration.ofMinutes(10));
        start(GoogleSheets.newRow(SHEET, "Orders!A:B", "A"));
        advance(MINUTE);

        assertThat(logged()).containsExactlyInAnyOrder(List.of("o-2", 20L, 2L),
                List.of("o-0", 5L, 1L), List.of("o-3", 30L, 4L));
    }

    @Test
    void failedRead_backsOffAndTheRowFiresWhenReadsWorkAgain() throws Exception {
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L));
        start(GoogleSheets.newRow(SHEET, "Orders!A:B"));
        sheet(List.of("o-1", 10L), List.of("o-2", 20L));
        fake.failNextGet(503);

        advance(MINUTE);
        int readsAfterFailure = fake.readRequests();
        advance(MINUTE);
        int readsDuringBackoff = fake.readRequests();
        advance(MINUTE);

        assertThat(readsAfterFailure).isEqualTo(2);
        assertThat(readsDuringBackoff).isEqualTo(2);
        assertThat(logged()).containsExactly(List.of("o-2", 20L, 2L));
    }

    @Test
    void missingSpreadsheet_firesNothing_andKeepsPolling() throws Exception {
        start(GoogleSheets.newRow(SHEET, "Orders!A:B"));
        fake.createSpreadsheet(SHEET, "Orders", "Log");
        sheet(List.of("o-1", 10L));

        advance(Duration.ofMinutes(2));
        sheet(List.of("o-1", 10L), List.of("o-2", 20L));
        advance(Duration.ofMinutes(4));

        // 404 at 12:00; the retry at 12:02 sets the baseline; "o-2" fires at 12:03.
        assertThat(logged()).containsExactly(List.of("o-2", 20L, 2L));
    }

    @Test
    void triggers_refuseAKeyColumnOutsideTheRange() {
        assertThatThrownBy(() -> GoogleSheets.newRow(SHEET, "Orders!B:D", "A"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column 'A' is outside range 'Orders!B:D'");
        assertThatThrownBy(() -> GoogleSheets.rowChanged(SHEET, "Orders!A:B", "C"))
                .hasMessageContaining("key column 'C' is outside range 'Orders!A:B'");
        assertThatThrownBy(() -> GoogleSheets.newRow("bad id", "Orders!A:B"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
