package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
