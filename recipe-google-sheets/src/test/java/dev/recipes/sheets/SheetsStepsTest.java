package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

/** The steps of append-rows, update-range, lookup-rows and upsert-row: what they render. */
final class SheetsStepsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Event order = event("{\"order\":{\"id\":\"A-42\",\"status\":\"paid\","
            + "\"paidAt\":\"2024-05-01T14:00:00+02:00\",\"items\":[{\"sku\":\"S-1\",\"qty\":2,"
            + "\"at\":\"2024-05-01T12:00:00Z\"},{\"sku\":\"S-2\",\"qty\":1,"
            + "\"at\":\"2024-05-01T12:05:00Z\"}],\"rows\":[[\"x\",1],[\"y\",2]]}}");

    @Test
    void appendRows_forEach_rendersOneRowPerItem_markingTimestamps() {
        AppendRowsStep step = GoogleSheets.appendRows("1AbC", "Items!A:E")
                .forEach("/order/items")
                .column("/order/id")
                .itemColumn("/sku")
                .itemColumn("/qty")
                .itemTimestampColumn("/at")
                .column(Event::time)
                .valueInputOption(ValueInputOption.USER_ENTERED)
                .keyColumn("g");

        ObjectNode params = step.render(order);

        assertThat(params.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"range\":"
                + "\"Items!A:E\",\"rows\":[[\"A-42\",\"S-1\",2,\"2024-05-01T12:00:00Z\","
                + "\"2024-05-01T12:00:00Z\"],[\"A-42\",\"S-2\",1,\"2024-05-01T12:05:00Z\","
                + "\"2024-05-01T12:00:00Z\"]],\"valueInputOption\":\"USER_ENTERED\","
                + "\"keyColumn\":\"G\",\"timestampColumns\":[3,4]}");
        assertThat(step.action()).isEqualTo("append-rows");
    }

    @Test
    void appendRows_rowsFrom_takesTheRowsWhole() {
        ObjectNode params = GoogleSheets.appendRows("1AbC", "Log!A:B").rowsFrom("/order/rows")
                .timestampCell(1).as("finance").render(order);

        assertThat(params.path("rows").toString()).isEqualTo("[[\"x\",1],[\"y\",2]]");
        assertThat(params.path("timestampColumns").toString()).isEqualTo("[1]");
    }

    @Test
    void appendRows_refusesStepsThatCannotMakeRows() {
        AppendRowsStep blank = GoogleSheets.appendRows("1AbC", "Log!A:B");

        assertThatThrownBy(blank::validate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no rows; name them with rowsFrom(...) or forEach(...)");
        assertThatThrownBy(blank.forEach("/order/items")::validate)
                .hasMessageContaining("has no columns");
        assertThatThrownBy(blank.rowsFrom("/order/rows").column("/order/id")::validate)
                .hasMessageContaining("takes rows whole");
        assertThatThrownBy(() -> blank.rowsFrom("/a").forEach("/b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rows already come from '/a'");
        assertThatThrownBy(() -> blank.keyColumn("F").keyColumn("G"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> GoogleSheets.appendRows("1AbC", "Log!C:D").keyColumn("B"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column 'B' is left of range 'Log!C:D'");
    }

    @Test
    void appendRows_anEmptyOrMissingArray_failsTheEvent() {
        AppendRowsStep step = GoogleSheets.appendRows("1AbC", "Log!A:B").forEach("/order/none")
                .itemColumn("/sku");

        assertThatThrownBy(() -> step.render(order)).isInstanceOf(MappingException.class)
                .hasMessageContaining("field '/order/none' of event 'ev-1' is missing");
        assertThatThrownBy(() -> step.render(event("{\"order\":{\"none\":[]}}")))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("is an empty array");
    }

    @Test
    void updateRange_rendersOneRow_withTimestampsFromFunctionsAndPointers() {
        ObjectNode params = GoogleSheets.updateRange("1AbC", "Log!B7:E7")
                .column("/order/status")
                .timestampColumn("/order/paidAt")
                .column(event -> OffsetDateTime.parse("2024-05-01T14:00:00+02:00"))
                .columnMapping(Mapping.constant("shop"))
                .render(order);

        assertThat(params.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"range\":"
                + "\"Log!B7:E7\",\"values\":[\"paid\",\"2024-05-01T14:00:00+02:00\","
                + "\"2024-05-01T14:00+02:00\",\"shop\"],\"valueInputOption\":\"RAW\","
                + "\"timestampColumns\":[1,2]}");
    }

    @Test
    void updateRange_refusesARangeThatDoesNotStartAtACell() {
        assertThatThrownBy(() -> GoogleSheets.updateRange("1AbC", "Log!B:D"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update-range step: range 'Log!B:D' must start at a cell");
        assertThatThrownBy(GoogleSheets.updateRange("1AbC", "Log!B2")::validate)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no columns");
    }

    @Test
    void lookupRows_rendersTheCondition() {
        ObjectNode params = GoogleSheets.lookupRows("1AbC", "Orders!A2:F")
                .where("c", "/order/id").limit(5).render(order);

        assertThat(params.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"range\":"
                + "\"Orders!A2:F\",\"column\":\"C\",\"value\":\"A-42\",\"limit\":5}");
    }

    @Test
    void lookupRows_refusesBadConditions() {
        LookupRowsStep step = GoogleSheets.lookupRows("1AbC", "Orders!B:D");

        assertThatThrownBy(() -> step.where("E", "/order/id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("column 'E' is outside the range");
        assertThatThrownBy(() -> step.where("B", "/a").where("C", "/b"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> step.limit(1001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(step::validate).hasMessageContaining("no condition");
        assertThatThrownBy(() -> step.where("B", "/order/items").render(order))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("must be text, a number or a boolean");
    }

    @Test
    void upsertRow_rendersTheRowAndItsKeyColumn() {
        UpsertRowStep step = GoogleSheets.upsertRow("1AbC", "Orders!A2:C")
                .column("/order/id")
                .column("/order/status")
                .column(Event::time)
                .keyColumn("a");

        step.validate();
        ObjectNode params = step.render(order);

        assertThat(params.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"range\":"
                + "\"Orders!A2:C\",\"values\":[\"A-42\",\"paid\",\"2024-05-01T12:00:00Z\"],"
                + "\"keyColumn\":\"A\",\"valueInputOption\":\"RAW\",\"timestampColumns\":[2]}");
    }

    @Test
    void upsertRow_refusesAMissingOrMisplacedKeyColumn() {
        UpsertRowStep step = GoogleSheets.upsertRow("1AbC", "Orders!B:D").column("/order/id");

        assertThatThrownBy(step::validate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no key column");
        assertThatThrownBy(step.keyColumn("C")::validate)
                .hasMessageContaining("key column 'C' is right of the row's 1 cells");
        assertThatThrownBy(() -> step.keyColumn("A"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column 'A' is left of the range");
    }

    private static Event event(String json) {
        try {
            return Event.builder("test.order").id("ev-1")
                    .time(Instant.parse("2024-05-01T12:00:00Z"))
                    .data(JSON.readTree(json)).build();
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
