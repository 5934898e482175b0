/**
 * The Slack service: the Events API, slash command and interactivity webhooks, verified with
 * Slack's v0 request signing, the triggers recipes use to select Slack events, such as
 * {@code Slack.message().inChannel(id)}, and Web API actions, such as
 * {@code Slack.postMessage(channel)}.
 */
package dev.recipes.slack;
