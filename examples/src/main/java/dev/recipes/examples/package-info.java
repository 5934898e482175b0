/** Runnable example apps: Slack messages become Google Sheets rows. */
package dev.recipes.examples;
