package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class A1RangeTest {

    @ParameterizedTest
    @ValueSource(strings = {"Log!A:D", "Log!A1", "Log!A1:D1", "Sheet1!A2:ZZZ", "Log!1:2",
        "'Sales 2024'!A:F", "'Bob''s log'!B:C", "Ventes été!A:B", "Log!a:d"})
    void acceptsSheetAndCells(String range) {
        assertThat(A1Range.requireValid(range)).isEqualTo(range);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Log           | must name a sheet and cells",
        "!A:D          | sheet name '' is not valid",
        "Bob's log!A:D | sheet name 'Bob's log' is not valid",
        "'Bob's'!A:D   | sheet name ''Bob's'' is not valid",
        "Log!          | cells '' are not in A1 notation",
        "Log!A0        | cells 'A0' are not in A1 notation",
        "Log!ABCD1     | cells 'ABCD1' are not in A1 notation",
        "Log!A:D:E     | cells 'A:D:E' are not in A1 notation",
        "Log!R1C1      | cells 'R1C1' are not in A1 notation"})
    void rejectsMalformedRange(String range, String reason) {
        assertThatThrownBy(() -> A1Range.requireValid(range))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "1AbC/edit", "id with spaces", "1AbC?x=1"})
    void rejectsMalformedSpreadsheetId(String id) {
        assertThatThrownBy(() -> A1Range.requireSpreadsheetId(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("spreadsheet id ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Log!A:D            | Log%21A%3AD",
        "'Sales 2024'!A1:F1 | %27Sales%202024%27%21A1%3AF1",
        "'Bob''s'!A:A       | %27Bob%27%27s%27%21A%3AA",
        "Ventes été!A:B     | Ventes%20%C3%A9t%C3%A9%21A%3AB",
        "a/b?c#d%e+f        | a%2Fb%3Fc%23d%25e%2Bf",
        "Az09-._~           | Az09-._~"})
    void encodesRangeAsOnePathSegment(String range, String encoded) {
        assertThat(A1Range.encodePathSegment(range)).isEqualTo(encoded);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Log!A:D        | 0",
        "Log!C:F        | 2",
        "Log!d5         | 3",
        "Log!F:B        | 1",
        "Log!2:5        | 0",
        "'X!Y'!AB1:AC9  | 27"})
    void firstColumn_isTheLeftmostCorner(String range, int first) {
        assertThat(A1Range.firstColumn(range)).isEqualTo(first);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"A | 0", "Z | 25", "AA | 26", "AZ | 51", "ZZ | 701",
        "AAA | 702", "ZZZ | 18277"})
    void columnLettersAndIndexes_roundTrip(String letters, int index) {
        assertThat(A1Range.columnIndex(letters)).isEqualTo(index);
        assertThat(A1Range.columnLetters(index)).isEqualTo(letters);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "F1", "F:F", "AAAA", "1", "É", "F "})
    void rejectsKeyColumnThatIsNotLetters(String column) {
        assertThatThrownBy(() -> A1Range.requireColumn(column))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key column '" + column + "' must be one to three column letters, "
                        + "such as 'F' or 'AB'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "Log!A:D | E | 4 | ",
        "Log!A:D | Z | 4 | ",
        "Log!A:F | F | 2 | ",
        "Log!C:F | B | 0 | key column 'B' is left of range 'Log!C:F', whose rows start in "
            + "column 'C'",
        "Log!A:D | C | 4 | key column 'C' would overwrite a mapped column: the 4 mapped columns "
            + "fill 'A' to 'D'; put the key in 'E' or further right",
        "Log!B1  | B | 1 | key column 'B' would overwrite a mapped column: the mapped column "
            + "is written in 'B'; put the key in 'C' or further right"})
    void keyColumnProblem_namesTheConflict(String range, String column, int cells,
            String problem) {
        assertThat(A1Range.keyColumnProblem(range, column, cells)).isEqualTo(problem);
    }

    @Test
    void sheet_keepsQuotes() {
        assertThat(A1Range.sheet("'Bob''s log!'!A:D")).isEqualTo("'Bob''s log!'");
        assertThat(A1Range.sheet("Log!A1")).isEqualTo("Log");
    }
}
