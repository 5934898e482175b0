/**
 * The Google Sheets service: the actions {@code append-row}, {@code append-rows},
 * {@code update-range}, {@code lookup-rows} and {@code upsert-row} with their recipe steps, the
 * polling triggers "new row" and "row changed", and service-account and user OAuth credentials,
 * on {@code java.net.http} and Jackson.
 */
package dev.recipes.sheets;
