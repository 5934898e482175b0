package dev.recipes.core.internal;

import dev.recipes.core.ConnectionStore;
import dev.recipes.core.DeadLetterStore;
import dev.recipes.core.EngineListener;
import dev.recipes.core.EventBus;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.Recipe;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.polling.StateStore;
import dev.recipes.core.spi.Service;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the engine builder collected; {@code null} means "the default".
 *
 * @param recipes the recipes
 * @param services services registered by hand
 * @param discover whether to add services found by ServiceLoader
 * @param bus the bus
 * @param connections the connection store
 * @param idempotency the idempotency store
 * @param deadLetters the dead-letter store
 * @param retryPolicy the retry policy
 * @param listeners the engine listeners
 * @param scheduler a scheduler the caller owns
 * @param clock the clock
 * @param httpClient the HTTP client
 * @param config configuration keyed by service id and key
 * @param drainDeadline how long close waits for queued work
 * @param maxChainDepth how many recipes may trigger each other in a row
 * @param actionLease how long an action attempt holds its idempotency key
 * @param leases the lease store
 * @param state the state store of polled sources
 * @param dispatchThreads the threads that run recipes per trigger topic
 * @param actionThreads the threads shared by all recipes' actions on the in-memory bus
 */
public record EngineSettings(List<Recipe> recipes, List<Service> services, boolean discover,
        EventBus bus, ConnectionStore connections, IdempotencyStore idempotency,
        DeadLetterStore deadLetters, RetryPolicy retryPolicy, List<EngineListener> listeners,
        ScheduledExecutorService scheduler, Clock clock, HttpClient httpClient,
        Map<String, String> config, Duration drainDeadline, int maxChainDepth,
        Duration actionLease, LeaseStore leases, StateStore state, int dispatchThreads,
        int actionThreads) {
}
