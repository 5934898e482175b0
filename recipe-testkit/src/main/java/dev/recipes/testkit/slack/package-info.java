/**
 * A Slack simulator for tests: builds Events API requests signed as Slack signs them and delivers
 * them in-process or over HTTP.
 */
package dev.recipes.testkit.slack;
