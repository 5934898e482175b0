/**
 * The Slack service: the Events API webhook, verified with Slack's v0 request signing, and the
 * triggers recipes use to select Slack events, such as {@code Slack.message().inChannel(id)}.
 */
package dev.recipes.slack;
