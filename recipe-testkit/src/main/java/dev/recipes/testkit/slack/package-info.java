/**
 * Slack for tests: a simulator that builds Events API requests, slash commands and
 * interactions signed as Slack signs them and delivers them in-process or over HTTP, and a fake
 * Slack Web API that actions call.
 */
package dev.recipes.testkit.slack;
