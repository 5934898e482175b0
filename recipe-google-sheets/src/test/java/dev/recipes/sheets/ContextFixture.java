package dev.recipes.sheets;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.spi.ServiceContext;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/** A service context for running the service's actions directly, without an engine. */
final class ContextFixture implements ServiceContext {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Clock clock;
    private final Map<String, String> config;
    private final ConnectionStore connections = ConnectionStore.inMemory();

    ContextFixture(Clock clock, Map<String, String> config) {
        this.clock = clock;
        this.config = Map.copyOf(config);
    }

    @Override
    public String serviceId() {
        return GoogleSheetsService.ID;
    }

    @Override
    public void publish(Event event) {
        throw new UnsupportedOperationException("the sheets service publishes no events");
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        throw new UnsupportedOperationException("the sheets service schedules nothing");
    }

    @Override
    public HttpClient httpClient() {
        return HTTP;
    }

    @Override
    public ConnectionStore connections() {
        return connections;
    }

    @Override
    public IdempotencyStore idempotency() {
        return IdempotencyStore.inMemory(100, Duration.ofMinutes(1), clock);
    }

    @Override
    public LeaseStore leases() {
        return LeaseStore.inMemory(clock);
    }

    @Override
    public String instanceId() {
        return "context-fixture";
    }

    @Override
    public ObjectMapper json() {
        return new ObjectMapper();
    }

    @Override
    public Optional<String> config(String key) {
        return Optional.ofNullable(config.get(GoogleSheetsService.ID + "." + key));
    }
}
