package dev.recipes.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ServiceContext;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A started {@code http} service without an engine, to run its action directly and see each
 * classified failure as it is thrown.
 */
final class HttpContextFixture implements ServiceContext {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final Map<String, String> config;
    private final HttpService service = new HttpService();

    private HttpContextFixture(Clock clock, Map<String, String> config) {
        this.clock = clock;
        this.config = Map.copyOf(config);
    }

    /**
     * Starts the service with config given as key and value pairs, without the
     * {@code http.} prefix.
     */
    static HttpContextFixture start(Clock clock, String... keysAndValues) {
        Map<String, String> config = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put(HttpService.ID + "." + keysAndValues[i], keysAndValues[i + 1]);
        }
        HttpContextFixture fixture = new HttpContextFixture(clock, config);
        fixture.service.start(fixture);
        return fixture;
    }

    HttpService service() {
        return service;
    }

    /** Runs the post action as the default connection, which may be null. */
    JsonNode post(String url, String bodyJson, Connection connection) throws Exception {
        ObjectNode params = JSON.createObjectNode();
        if (url != null) {
            params.put("url", url);
        }
        if (bodyJson != null) {
            params.set("body", JSON.readTree(bodyJson));
        }
        return postParams(params, connection == null ? "default" : connection.id(), connection);
    }

    JsonNode postParams(ObjectNode params, String connectionId, Connection connection) {
        return service.actions().get(0).execute(new ActionInvocation(HttpService.ID, "post",
                params, connectionId, connection, "key", "recipe", "event", false));
    }

    @Override
    public String serviceId() {
        return HttpService.ID;
    }

    @Override
    public void publish(Event event) {
        throw new UnsupportedOperationException("the http service publishes no events");
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        throw new UnsupportedOperationException("the http service schedules nothing");
    }

    @Override
    public HttpClient httpClient() {
        throw new UnsupportedOperationException("the http service makes its own client");
    }

    @Override
    public ConnectionStore connections() {
        return ConnectionStore.inMemory();
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
        return "http-context-fixture";
    }

    @Override
    public ObjectMapper json() {
        return JSON;
    }

    @Override
    public Optional<String> config(String key) {
        return Optional.ofNullable(config.get(HttpService.ID + "." + key));
    }
}
