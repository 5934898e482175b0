/**
 * The recipes engine: the event model, recipes and their builders, the engine, the bus,
 * connections, webhook records and signatures, polling triggers, and the service SPI.
 *
 * <p>Services are found with {@link java.util.ServiceLoader}: a module that provides
 * {@link dev.recipes.core.spi.Service} on the module path, or a {@code META-INF/services} entry
 * on the class path, is picked up by every engine built with service discovery on. The package
 * {@code dev.recipes.core.internal} holds the implementation and is not exported.
 *
 * @uses dev.recipes.core.spi.Service
 */
module dev.recipes.core {
    requires transitive com.fasterxml.jackson.databind;
    requires transitive java.net.http;
    requires org.slf4j;

    exports dev.recipes.core;
    exports dev.recipes.core.oauth;
    exports dev.recipes.core.polling;
    exports dev.recipes.core.signature;
    exports dev.recipes.core.spi;
    exports dev.recipes.core.webhook;

    uses dev.recipes.core.spi.Service;
}
