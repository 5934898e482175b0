package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class AppendRowStepTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Event order = Event.builder("test.order")
            .id("ev-1")
            .time(Instant.parse("2024-05-01T12:00:00Z"))
            .data(JSON.createObjectNode().put("id", "A-42").put("total", 19.5)
                    .put("paid", true).putNull("note").put("created", "2024-05-01T12:00:00Z"))
            .build();

    @Test
    void rendersColumnsInOrder() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:F")
                .column(Event::time)
                .column("/id")
                .column("/total")
                .column("/paid")
                .column("/note")
                .columnMapping(Mapping.constant("shop"));

        ObjectNode params = step.render(order);

        assertThat(params.toString()).isEqualTo("{\"spreadsheetId\":\"1AbC\",\"range\":\"Log!A:F\","
                + "\"values\":[\"2024-05-01T12:00:00Z\",\"A-42\",19.5,true,null,\"shop\"],"
                + "\"timestampColumns\":[0],\"valueInputOption\":\"RAW\"}");
    }

    @Test
    void marksTimestampColumnsByPointerAndByTemporalValue() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D")
                .column("/id")
                .timestampColumn("/created")
                .column(event -> event.time().toString())
                .column(event -> java.time.OffsetDateTime.parse("2024-05-01T14:00:00+02:00"));

        ObjectNode params = step.render(order);

        assertThat(params.get("timestampColumns").toString()).isEqualTo("[1,3]");
        assertThat(params.get("values").get(3).asText()).isEqualTo("2024-05-01T14:00+02:00");
    }

    @Test
    void namesItsServiceActionAndConnection() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id")
                .as("reporting");

        assertThat(step.service()).isEqualTo("google-sheets");
        assertThat(step.action()).isEqualTo("append-row");
        assertThat(step.connection()).isEqualTo("reporting");
        assertThat(GoogleSheets.appendRow("1AbC", "Log!A:D").connection()).isEqualTo("default");
    }

    @Test
    void acceptsPlainLambdas() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:B")
                .column(event -> event.id())
                .column(event -> event.data().path("total").decimalValue());

        assertThat(step.render(order).path("values").toString()).isEqualTo("[\"ev-1\",19.5]");
    }

    @Test
    void isImmutable() {
        AppendRowStep base = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id");

        AppendRowStep longer = base.column("/total").valueInputOption(
                ValueInputOption.USER_ENTERED).as("other");

        assertThat(base.render(order).path("values")).hasSize(1);
        assertThat(base.render(order).path("valueInputOption").asText()).isEqualTo("RAW");
        assertThat(base.connection()).isEqualTo("default");
        assertThat(longer.render(order).path("values")).hasSize(2);
        assertThat(longer.render(order).path("valueInputOption").asText())
                .isEqualTo("USER_ENTERED");
    }

    @Test
    void missingField_throwsMappingExceptionNamingIt() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/customer/name");

        assertThatThrownBy(() -> step.render(order))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("'/customer/name' is missing in event 'ev-1'");
    }

    @Test
    void objectColumn_throwsMappingException() {
        Event nested = Event.builder("test.order").id("ev-2")
                .data(JSON.createObjectNode().set("customer", JSON.createObjectNode()))
                .build();
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/customer");

        assertThatThrownBy(() -> step.render(nested))
                .isInstanceOf(MappingException.class)
                .hasMessage("append-row step for 'Log!A:D': column 0 rendered a JSON object for "
                        + "event 'ev-2'; a cell takes text, a number, a boolean or null")
                .extracting(e -> ((MappingException) e).field()).isEqualTo("values/0");
    }

    @Test
    void stepWithoutColumns_failsToRender() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D");

        assertThatThrownBy(() -> step.render(order))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("no columns");
    }

    @Test
    void stepWithoutColumns_failsValidationSayingStepsAreImmutable() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D");

        step.column("/text");

        assertThatThrownBy(step::validate)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no columns").hasMessageContaining("immutable");
        assertThatCode(() -> step.column("/text").validate()).doesNotThrowAnyException();
    }

    @Test
    void rejectsBlankSpreadsheetId() {
        assertThatThrownBy(() -> GoogleSheets.appendRow(" ", "Log!A:D"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("append-row step: spreadsheet id is blank");
    }

    @Test
    void rejectsSpreadsheetUrl() {
        assertThatThrownBy(() -> GoogleSheets.appendRow(
                "https://docs.google.com/spreadsheets/d/1AbC/edit", "Log!A:D"))
                .hasMessageContaining("the part of the spreadsheet's URL after '/d/'");
    }

    @Test
    void rejectsRangeWithoutSheet() {
        assertThatThrownBy(() -> GoogleSheets.appendRow("1AbC", "A:D"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("append-row step: range 'A:D' must name a sheet");
    }

    @Test
    void rejectsInvalidConnectionAndPointer() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D");

        assertThatThrownBy(() -> step.as("Bad Id")).hasMessageContaining("'Bad Id'");
        assertThatThrownBy(() -> step.column("id")).hasMessageContaining("JSON Pointer");
    }

    @Test
    void describesItself() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id");

        assertThat(step).hasToString(
                "AppendRowStep[google-sheets/append-row '1AbC' 'Log!A:D', 1 columns, RAW, "
                        + "as default]");
    }

    @Test
    void keyColumn_isRenderedUppercaseAndKeptByLaterCalls() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").keyColumn("f")
                .column("/id")
                .column("/total")
                .valueInputOption(ValueInputOption.USER_ENTERED)
                .as("reporting");

        ObjectNode params = step.render(order);

        assertThat(step.keyColumn()).contains("F");
        assertThat(params.path("keyColumn").asText()).isEqualTo("F");
        assertThat(params.path("values").toString()).isEqualTo("[\"A-42\",19.5]");
        assertThat(step).hasToString("AppendRowStep[google-sheets/append-row '1AbC' 'Log!A:D', "
                + "2 columns, USER_ENTERED, key column F, as reporting]");
    }

    @Test
    void withoutKeyColumn_rendersNone() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id");

        assertThat(step.keyColumn()).isEmpty();
        assertThat(step.render(order).has("keyColumn")).isFalse();
    }

    @Test
    void keyColumn_rejectsWhatIsNotColumnLetters() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").column("/id");

        assertThatThrownBy(() -> step.keyColumn("F1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("append-row step for 'Log!A:D': key column 'F1' must be one to "
                        + "three column letters, such as 'F' or 'AB'");
        assertThatThrownBy(() -> step.keyColumn(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key column null must be");
    }

    @Test
    void keyColumn_rejectsAColumnLeftOfTheRange() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "'Sales 2024'!C:F").column("/id");

        assertThatThrownBy(() -> step.keyColumn("B"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("append-row step for ''Sales 2024'!C:F': key column 'B' is left of "
                        + "range ''Sales 2024'!C:F', whose rows start in column 'C'");
    }

    @Test
    void keyColumn_setTwice_namesTheFirst() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:D").keyColumn("F");

        assertThatThrownBy(() -> step.keyColumn("G"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("append-row step for 'Log!A:D': key column is already set to 'F'; "
                        + "set it once");
    }

    @Test
    void keyColumnUnderAMappedColumn_failsValidation() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!B:E").keyColumn("C")
                .column("/id");

        assertThatCode(step::validate).doesNotThrowAnyException();
        assertThatThrownBy(() -> step.column("/total").validate())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("append-row step for 'Log!B:E': key column 'C' would overwrite a "
                        + "mapped column: the 2 mapped columns fill 'B' to 'C'; put the key in "
                        + "'D' or further right");
    }

    @Test
    void keyColumnRightOfTheRange_isAccepted() {
        AppendRowStep step = GoogleSheets.appendRow("1AbC", "Log!A:B").column("/id")
                .column("/total").keyColumn("AA");

        assertThatCode(step::validate).doesNotThrowAnyException();
        assertThat(step.render(order).path("range").asText()).isEqualTo("Log!A:B");
    }
}
