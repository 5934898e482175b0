/**
 * Test support for recipes: {@link dev.recipes.testkit.TestEngine}, an engine made for one test
 * with controllable time, fakes wired in, and assertions on what it did; the
 * {@link dev.recipes.testkit.MutableClock} and {@link dev.recipes.testkit.ManualScheduler} it
 * runs on; and {@link dev.recipes.testkit.FakeFactory}, how a kind of fake is started for it.
 */
package dev.recipes.testkit;
