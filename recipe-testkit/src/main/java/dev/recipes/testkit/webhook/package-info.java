/**
 * What the webhook simulators, the recorder and the replayer share: where requests go
 * ({@link dev.recipes.testkit.webhook.WebhookTarget}, in-process or over HTTP) and the shape of
 * a simulated request ({@link dev.recipes.testkit.webhook.SimulatedRequest}).
 */
package dev.recipes.testkit.webhook;
