/**
 * Recording real webhook requests to human-readable files
 * ({@link dev.recipes.testkit.recording.WebhookRecorder},
 * {@link dev.recipes.testkit.recording.RecordingServer}) and replaying them in tests with their
 * signatures made anew with the test's secret ({@link dev.recipes.testkit.recording.Resigner},
 * {@link dev.recipes.testkit.recording.WebhookReplayer}).
 */
package dev.recipes.testkit.recording;
