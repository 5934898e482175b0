package dev.recipes.core.spi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.Secret;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the engine gives a service: its way to publish events and everything it depends on. All
 * methods are thread-safe.
 */
public interface ServiceContext {

    /**
     * Returns the id of the service this context belongs to.
     *
     * @return the service id
     */
    String serviceId();

    /**
     * Publishes an event for recipes to react to, on the topic of its type.
     *
     * @param event the event
     * @throws dev.recipes.core.EventRejectedException if the bus cannot take it now
     */
    void publish(Event event);

    /**
     * Returns the clock; tests may control it.
     *
     * @return the engine's clock
     */
    Clock clock();

    /**
     * Returns a scheduler for timed work, shared by the engine's services.
     *
     * @return the scheduler; the engine shuts it down
     */
    ScheduledExecutorService scheduler();

    /**
     * Returns the HTTP client for calls to the service's API.
     *
     * @return a shared client
     */
    HttpClient httpClient();

    /**
     * Returns the store of connections, the accounts actions run as.
     *
     * @return the store
     */
    ConnectionStore connections();

    /**
     * Returns the store that remembers work already done.
     *
     * @return the store
     */
    IdempotencyStore idempotency();

    /**
     * Returns the engine's lease store, for work a service must do on one engine instance at a
     * time while several share a bus, such as polling a provider: take the lease with
     * {@link #instanceId()} as the holder, and renew it well before it runs out.
     *
     * @return the lease store
     */
    LeaseStore leases();

    /**
     * Returns the id of this engine instance, unique per process and start; the holder to name
     * when taking a lease.
     *
     * @return the instance id
     */
    String instanceId();

    /**
     * Returns a JSON mapper configured for the engine.
     *
     * @return a thread-safe mapper
     */
    ObjectMapper json();

    /**
     * Returns one of this service's settings, given to the engine as
     * {@code <serviceId>.<key>}.
     *
     * @param key the key without the service prefix, such as {@code signing-secret}
     * @return the value, if set
     */
    Optional<String> config(String key);

    /**
     * Returns one of this service's settings as a secret.
     *
     * @param key the key without the service prefix
     * @return the secret, if set
     */
    default Optional<Secret> secret(String key) {
        return config(key).filter(value -> !value.isEmpty()).map(Secret::of);
    }
}
