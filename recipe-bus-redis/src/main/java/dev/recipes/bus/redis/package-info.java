/**
 * Runs the engine on several instances at once, with Redis as the shared state: a durable
 * {@link dev.recipes.core.EventBus} on Redis Streams, an
 * {@link dev.recipes.core.IdempotencyStore} and a {@link dev.recipes.core.LeaseStore}, all
 * reached through one {@link dev.recipes.bus.redis.RedisBackend}.
 *
 * <p>Events survive a restart of any instance: an entry is acknowledged only once its handler
 * returned, and what a dead instance held is claimed by a live one. Retries wait in Redis, not
 * in the memory of the instance that scheduled them.
 *
 * <p>The client is Jedis. Each bus subscription owns a thread that spends its life in one
 * blocking read after another, so a plain blocking client with one connection per thread is
 * the simplest thing that fits: no event loop, no futures, and a stack trace that shows where a
 * consumer waits. Short commands share a small pool.
 */
package dev.recipes.bus.redis;
