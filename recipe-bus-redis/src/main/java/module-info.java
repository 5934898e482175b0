/**
 * A durable event bus, idempotency store and lease store on Redis, so that several engine
 * instances share the work.
 */
// Jedis has no module descriptor; its Automatic-Module-Name is its stable module name.
@SuppressWarnings("requires-automatic")
module dev.recipes.bus.redis {
    requires transitive dev.recipes.core;
    requires redis.clients.jedis;
    requires org.slf4j;

    exports dev.recipes.bus.redis;
}
