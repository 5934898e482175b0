/**
 * Durable stores on PostgreSQL through JDBC, shared by every engine instance that reaches the
 * same database: a {@link dev.recipes.core.ConnectionStore} whose secrets are encrypted at rest
 * with AES-GCM under a {@link dev.recipes.store.jdbc.KeyRing} whose keys can rotate without
 * losing a connection, and a {@link dev.recipes.core.polling.StateStore} that keeps the cursors
 * and seen items of polling triggers across restarts.
 */
package dev.recipes.store.jdbc;
