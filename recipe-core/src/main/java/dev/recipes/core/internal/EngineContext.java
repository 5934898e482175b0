package dev.recipes.core.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.spi.ServiceContext;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/** The context the engine gives one service. */
final class EngineContext implements ServiceContext {

    private final String serviceId;
    private final EngineRuntime runtime;
    private final Map<String, String> config;

    EngineContext(String serviceId, EngineRuntime runtime, Map<String, String> config) {
        this.serviceId = serviceId;
        this.runtime = runtime;
        this.config = config;
    }

    @Override
    public String serviceId() {
        return serviceId;
    }

    @Override
    public void publish(Event event) {
        runtime.publishTrigger(event);
    }

    @Override
    public Clock clock() {
        return runtime.clock();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return runtime.scheduler();
    }

    @Override
    public HttpClient httpClient() {
        return runtime.httpClient();
    }

    @Override
    public ConnectionStore connections() {
        return runtime.connections();
    }

    @Override
    public IdempotencyStore idempotency() {
        return runtime.idempotency();
    }

    @Override
    public LeaseStore leases() {
        return runtime.leases();
    }

    @Override
    public String instanceId() {
        return runtime.instanceId();
    }

    @Override
    public ObjectMapper json() {
        return Json.MAPPER;
    }

    @Override
    public Optional<String> config(String key) {
        return Optional.ofNullable(config.get(serviceId + "." + key));
    }

    @Override
    public String toString() {
        return "ServiceContext[" + serviceId + "]";
    }
}
