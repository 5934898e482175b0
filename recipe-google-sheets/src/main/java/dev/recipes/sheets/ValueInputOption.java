package dev.recipes.sheets;

/**
 * How Google Sheets reads the values of an appended row.
 *
 * <p>{@link #RAW} is the default and the safe choice for text that comes from events.
 */
public enum ValueInputOption {

    /** Values are stored exactly as given: a string that looks like a number stays text. */
    RAW,

    /**
     * Values are parsed as if a user typed them, in the spreadsheet's locale: numbers, dates
     * and percentages are recognised. To keep event text from running as a formula, text that
     * starts with {@code = + - @}, a tab or a carriage return is written with a leading
     * apostrophe, which Sheets shows as plain text.
     */
    USER_ENTERED
}
