/**
 * The Google Sheets service: the {@code append-row} action, its recipe step, and service-account
 * credentials, on {@code java.net.http} and Jackson.
 */
package dev.recipes.sheets;
