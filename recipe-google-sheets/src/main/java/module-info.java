/**
 * The Google Sheets service for recipes: actions that append, update, look up and upsert rows,
 * polling triggers on new and changed rows, and service-account and user OAuth credentials.
 *
 * @provides dev.recipes.core.spi.Service the {@code google-sheets} service
 */
module dev.recipes.sheets {
    requires transitive dev.recipes.core;
    requires org.slf4j;

    exports dev.recipes.sheets;

    provides dev.recipes.core.spi.Service with dev.recipes.sheets.GoogleSheetsService;
}
