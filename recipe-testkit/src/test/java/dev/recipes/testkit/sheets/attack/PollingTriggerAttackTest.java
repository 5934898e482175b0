package dev.recipes.testkit.sheets.attack;

import static dev.recipes.testkit.sheets.attack.AttackSupport.SHEET;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.polling.PollingTrigger;
import dev.recipes.core.polling.StateStore;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The "new row" and "row changed" triggers against a sheet edited between polls: inserted,
 * deleted, reordered and edited rows, duplicate keys, empty rows, odd sheet names.
 */
@RecipeTest
final class PollingTriggerAttackTest {

    private static final Duration POLL = Duration.ofMinutes(1);

    private final List<Event> fired = new CopyOnWriteArrayList<>();

    private void start(TestEngine engine, FakeSheetsServer sheets, PollingTrigger trigger,
            List<List<Object>> baseline, String sheet) {
        sheets.createSpreadsheet(SHEET, sheet);
        sheets.replaceRows(SHEET, sheet, baseline);
        engine.customize(builder -> builder.discoverServices(false)
                .service(new dev.recipes.sheets.GoogleSheetsService())
                .state(StateStore.inMemory()));
        engine.listener(new EngineListener() {
            @Override
            public void eventReceived(Event event) {
                if (event.type().startsWith("google-sheets.")) {
                    fired.add(event);
                }
            }
        });
        engine.recipe(Recipe.named("watch").when(trigger.jitter(Duration.ZERO))
                .then(dev.recipes.core.ActionStep.of("google-sheets", "lookup-rows")
                        .constant("spreadsheetId", SHEET)
                        .constant("range", "Orders!A1:A1")
                        .constant("column", "A")
                        .constant("value", "never")
                        .build())
                .build());
        engine.start();
        engine.advance(POLL);
    }

    private static List<List<Object>> rows(Object... cells) {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < cells.length; i += 2) {
            rows.add(new ArrayList<>(List.of(cells[i], cells[i + 1])));
        }
        return rows;
    }

    private List<String> firedKeys() {
        return fired.stream().map(event -> event.data().path("key").asText()).toList();
    }

    @Test
    void byKey_insertsDeletesSortsAndEditsBetweenPolls_fireOnlyNewKeys(TestEngine engine,
            FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.newRow(SHEET, "Orders!A2:B", "A"),
                rows("id", "n", "o-1", 1L, "o-2", 2L, "o-3", 3L), "Orders");

        sheets.replaceRows(SHEET, "Orders", rows("id", "n", "o-3", 30L, "", "",
                "o-new", 4L, " o-1 ", 1L, "o-new", 5L));
        engine.advance(POLL);
        engine.advance(POLL);

        assertThat(firedKeys()).containsExactly("o-new");
        assertThat(fired.get(0).data().path("row").asInt()).isEqualTo(4);
    }

    @Test
    void byContent_aDuplicateRowAddedLater_firesOnce_reorderingFiresNothing(
            TestEngine engine, FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.newRow(SHEET, "Orders!A:B"),
                rows("a", 1L, "b", 2L), "Orders");

        sheets.replaceRows(SHEET, "Orders", rows("b", 2L, "a", 1L, "a", 1L));
        engine.advance(POLL);
        sheets.replaceRows(SHEET, "Orders", rows("a", 1L, "b", 2L, "a", 1L));
        engine.advance(POLL);

        assertThat(fired).hasSize(1);
    }

    @Test
    void rowChanged_eachNewContentFiresOnce_wherever_theRowMoved(TestEngine engine,
            FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.rowChanged(SHEET, "Orders!A:B", "A"),
                rows("o-1", "open", "o-2", "open"), "Orders");

        sheets.replaceRows(SHEET, "Orders", rows("o-2", "paid", "o-1", "open"));
        engine.advance(POLL);
        engine.advance(POLL);

        assertThat(firedKeys()).containsExactly("o-2");
        assertThat(fired.get(0).data().path("values").get(1).asText()).isEqualTo("paid");
    }

    @Test
    void aSheetNameWithSpacesAndAnApostrophe_isPolled(TestEngine engine,
            FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.newRow(SHEET, "'Bob''s Orders 2024'!A:B", "A"),
                rows("o-1", 1L), "Bob's Orders 2024");

        sheets.replaceRows(SHEET, "Bob's Orders 2024", rows("o-1", 1L, "o-2", 2L));
        engine.advance(POLL);

        assertThat(firedKeys()).containsExactly("o-2");
        assertThat(fired.get(0).source().toString()).startsWith("/poll/google-sheets/");
    }

    @Test
    void aKeyCellWithANewlineOrAHugeKey_stillFiresOnce(TestEngine engine,
            FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.newRow(SHEET, "Orders!A:B", "A"),
                rows("o-1", 1L), "Orders");

        String huge = "k".repeat(5000);
        sheets.replaceRows(SHEET, "Orders", rows("o-1", 1L, "line\nbreak", 2L, huge, 3L));
        engine.advance(POLL);
        engine.advance(POLL);

        assertThat(fired).hasSize(2);
        assertThat(fired).allSatisfy(event -> assertThat(event.id().length())
                .isLessThan(300));
    }

    @Test
    void aFailedReadBacksOff_andTheRowsFireOnceItRecovers(TestEngine engine,
            FakeSheetsServer sheets) {
        start(engine, sheets, GoogleSheets.newRow(SHEET, "Orders!A:B", "A"),
                rows("o-1", 1L), "Orders");

        sheets.replaceRows(SHEET, "Orders", rows("o-1", 1L, "o-2", 2L));
        sheets.failNextGet(503);
        engine.advance(POLL);
        assertThat(fired).isEmpty();
        engine.advance(Duration.ofMinutes(5));

        assertThat(firedKeys()).containsExactly("o-2");
    }

    @Test
    void aSheetLargerThanMaxSeenKeys_firesOnlyTheForgottenRows(
            TestEngine engine, FakeSheetsServer sheets) {
        // The docs say "keep maxSeenKeys above the number of rows, or rows forgotten fire
        // again". With 120 rows and 100 remembered keys, at most 20 rows are forgotten per
        // poll; but the seen keys are an LRU scanned in row order, so each re-fired row evicts
        // the next one and every row fires on every poll.
        List<List<Object>> many = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            many.add(new ArrayList<>(List.of("o-" + i, (long) i)));
        }
        start(engine, sheets, GoogleSheets.newRow(SHEET, "Orders!A:B", "A").maxSeenKeys(100),
                many, "Orders");
        int baseline = fired.size();

        engine.advance(POLL);
        engine.advance(POLL);

        assertThat(fired.size() - baseline).as("events fired by two polls of an unchanged "
                + "sheet, %s action requests", engine.actions().size())
                .isLessThanOrEqualTo(40);
    }
}
