/**
 * Generic web services for recipes: the {@code webhook} service turns Standard Webhooks senders
 * into triggers, and the {@code http} service posts JSON to allowed URLs.
 *
 * @provides dev.recipes.core.spi.Service the {@code webhook} and {@code http} services
 */
module dev.recipes.webhooks {
    requires transitive dev.recipes.core;
    requires org.slf4j;

    exports dev.recipes.webhooks;

    provides dev.recipes.core.spi.Service with
            dev.recipes.webhooks.WebhookService,
            dev.recipes.webhooks.HttpService;
}
