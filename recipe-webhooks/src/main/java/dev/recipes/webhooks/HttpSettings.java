package dev.recipes.webhooks;

import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.ServiceContext;
import java.time.Duration;

/**
 * The {@code http} service's configuration, read from the engine's {@code http.*} settings and
 * checked when the service starts.
 *
 * @param allowedHosts the hosts requests may go to
 * @param privateHosts the hosts (by name or address) that may also be private or internal
 *     addresses; they are allowed too
 * @param timeout how long one request may take, answer included
 * @param maxResponseBytes the largest answer read
 */
record HttpSettings(HostRules allowedHosts, HostRules privateHosts, Duration timeout,
        int maxResponseBytes) {

    static final String ALLOWED_HOSTS = "allowed-hosts";
    static final String ALLOWED_PRIVATE_HOSTS = "allowed-private-hosts";
    static final String TIMEOUT = "timeout";
    static final String MAX_RESPONSE_BYTES = "max-response-bytes";

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;

    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    private static final int MAX_RESPONSE_LIMIT = 16 << 20;

    /**
     * Reads and checks the configuration.
     *
     * @param context the service's context
     * @return the settings
     * @throws RecipeException if a value is malformed, naming its key
     */
    static HttpSettings from(ServiceContext context) {
        HostRules allowed = hosts(context, ALLOWED_HOSTS, true);
        HostRules privates = hosts(context, ALLOWED_PRIVATE_HOSTS, false);
        Duration timeout = context.config(TIMEOUT)
                .map(value -> ConfigValues.duration(key(TIMEOUT), value,
                        Duration.ofMillis(1), MAX_TIMEOUT))
                .orElse(DEFAULT_TIMEOUT);
        int maxBytes = context.config(MAX_RESPONSE_BYTES)
                .map(value -> ConfigValues.bytes(key(MAX_RESPONSE_BYTES), value,
                        MAX_RESPONSE_LIMIT))
                .orElse(DEFAULT_MAX_RESPONSE_BYTES);
        return new HttpSettings(allowed, privates, timeout, maxBytes);
    }

    /**
     * Returns a key with the service prefix, for messages.
     *
     * @param key a key without the prefix
     * @return such as {@code http.allowed-hosts}
     */
    static String key(String key) {
        return HttpService.ID + "." + key;
    }

    private static HostRules hosts(ServiceContext context, String key, boolean wildcard) {
        String value = context.config(key).orElse("");
        try {
            return HostRules.parse(value, wildcard);
        } catch (IllegalArgumentException e) {
            throw new RecipeException("config '" + key(key) + "': " + e.getMessage()
                    + (wildcard ? "" : "; private hosts are named one by one or by '*.suffix'"));
        }
    }
}
