/**
 * Polling triggers: a service's {@link dev.recipes.core.polling.PollSource} is read at an
 * interval by the engine, on one instance at a time, and each item it has not seen before
 * becomes an event once; cursors and seen keys live in a
 * {@link dev.recipes.core.polling.StateStore}.
 */
package dev.recipes.core.polling;
