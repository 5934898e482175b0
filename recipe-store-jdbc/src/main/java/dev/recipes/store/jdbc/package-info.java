/**
 * A durable {@link dev.recipes.core.ConnectionStore} on PostgreSQL through JDBC: connections
 * survive restarts and are shared by every engine instance that reaches the same database.
 * Secrets are encrypted at rest with AES-GCM under a {@link dev.recipes.store.jdbc.KeyRing}
 * whose keys can rotate without losing a connection.
 */
package dev.recipes.store.jdbc;
