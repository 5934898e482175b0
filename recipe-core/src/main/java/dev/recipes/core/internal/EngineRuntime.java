package dev.recipes.core.internal;

import dev.recipes.core.ActionStep;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a {@link RecipeEngine} runs: its services, its recipe index and its action runners. */
public final class EngineRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(RecipeEngine.class);
    private static final String HOOKS = "/hooks/";
    private static final int DISPATCH_THREADS = 2;
    private static final int ACTION_THREADS = 4;

    private enum State { NEW, RUNNING, CLOSED }

    private final Map<String, Service> services;
    private final Map<String, Map<String, Action>> actions = new LinkedHashMap<>();
    private final Map<String, List<Recipe>> recipesByTopic = new LinkedHashMap<>();
    private final EventBus bus;
    private final ConnectionStore connections;
    private final Clock clock;
    private final HttpClient httpClient;
    private final Map<String, String> config;
    private final Duration drainDeadline;
    private final IdempotencyStore idempotency;
    private final List<Service> started = new ArrayList<>();
    private volatile ScheduledExecutorService scheduler;
    private volatile State state = State.NEW;

    /**
     * Resolves services and checks every recipe against them.
     *
     * @param recipes the recipes
     * @param handRegistered services registered by hand
     * @param discover whether to add services found by ServiceLoader
     * @param bus the bus, or null for the in-memory default
     * @param connections the store, or null for an empty in-memory one
     * @param clock the clock, or null for the UTC system clock
     * @param httpClient the client, or null for a default one
     * @param config configuration keyed by service id and key
     * @param drainDeadline how long close waits
     * @throws IllegalStateException if a recipe names a service or action that does not exist
     */
    public EngineRuntime(List<Recipe> recipes, List<Service> handRegistered, boolean discover,
            EventBus bus, ConnectionStore connections, Clock clock, HttpClient httpClient,
            Map<String, String> config, Duration drainDeadline) {
        this.services = resolveServices(handRegistered, discover);
        this.bus = bus == null ? EventBus.inMemory() : bus;
        this.connections = connections == null ? ConnectionStore.inMemory() : connections;
        this.clock = clock == null ? Clock.systemUTC() : clock;
        this.httpClient = httpClient == null
                ? HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                : httpClient;
        this.config = Map.copyOf(config);
        this.drainDeadline = drainDeadline;
        this.idempotency = IdempotencyStore.inMemory(100_000, Duration.ofHours(24), this.clock);
        services.values().forEach(this::indexActions);
        recipes.forEach(this::indexRecipe);
        checkConfig();
    }

    private void checkConfig() {
        for (String key : config.keySet()) {
            int dot = key.indexOf('.');
            Service service = dot < 0 ? null : services.get(key.substring(0, dot));
            if (service == null) {
                throw new IllegalStateException("config '" + key + "': keys start with the id "
                        + "of a service and a dot; services: " + services.keySet());
            }
            Set<String> known = service.configKeys();
            if (!known.isEmpty() && !known.contains(key.substring(dot + 1))) {
                throw new IllegalStateException("config '" + key + "': service '"
                        + service.id() + "' reads no such key; it reads "
                        + new java.util.TreeSet<>(known));
            }
        }
    }

    private static Map<String, Service> resolveServices(List<Service> byHand, boolean discover) {
        Map<String, Service> resolved = new LinkedHashMap<>();
        byHand.forEach(service -> resolved.put(requireId(service), service));
        if (discover) {
            try {
                for (Service found : ServiceLoader.load(Service.class)) {
                    resolved.putIfAbsent(requireId(found), found);
                }
            } catch (ServiceConfigurationError e) {
                throw new RecipeException("services: a service listed in META-INF/services "
                        + "cannot be loaded: " + e.getMessage(), e);
            }
        }
        return resolved;
    }

    private static String requireId(Service service) {
        try {
            return Names.require(service.id(), "service " + service.getClass().getName()
                    + ": id");
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void indexActions(Service service) {
        Map<String, Action> byName = new LinkedHashMap<>();
        for (Action action : service.actions()) {
            if (byName.putIfAbsent(action.name(), action) != null) {
                throw new IllegalStateException("service '" + service.id() + "': action '"
                        + action.name() + "' is declared twice");
            }
        }
        actions.put(service.id(), byName);
    }

    private void indexRecipe(Recipe recipe) {
        for (ActionStep step : recipe.steps()) {
            try {
                step.validate();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': "
                        + e.getMessage(), e);
            }
            Map<String, Action> offered = actions.get(step.service());
            if (offered == null) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': service '"
                        + step.service() + "' is not registered; services: "
                        + services.keySet());
            }
            if (!offered.containsKey(step.action())) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': service '"
                        + step.service() + "' has no action '" + step.action()
                        + "'; actions: " + offered.keySet());
            }
        }
        recipesByTopic.computeIfAbsent(recipe.trigger().topic(), topic -> new ArrayList<>())
                .add(recipe);
    }

    /** Starts services, then subscribes action runners and recipes. */
    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("engine: already " + state.name().toLowerCase());
        }
        scheduler = Executors.newScheduledThreadPool(1, daemonThreads("recipes-scheduler"));
        try {
            for (Service service : services.values()) {
                service.start(new EngineContext(service.id(), this, config));
                started.add(service);
            }
            subscribe();
        } catch (RuntimeException e) {
            LOG.error("Recipe engine failed to start: {}", e.getMessage());
            close();
            throw e;
        }
        state = State.RUNNING;
        LOG.info("Recipe engine started: services {}, {} recipes", services.keySet(),
                recipesByTopic.values().stream().mapToInt(List::size).sum());
        warnOfMissingConnections();
    }

    // Connections may be added while the engine runs, so a missing one is worth a warning at
    // start, not a refusal.
    private void warnOfMissingConnections() {
        recipesByTopic.values().stream().flatMap(List::stream).forEach(recipe -> {
            for (ActionStep step : recipe.steps()) {
                boolean needed = actions.get(step.service()).get(step.action()).needsConnection();
                if (needed && connections.find(step.service(), step.connection()).isEmpty()) {
                    LOG.warn("Recipe '{}': connection '{}/{}' is not in the connection store; "
                            + "its actions fail until it is added with connections().put()",
                            recipe.id(), step.service(), step.connection());
                }
            }
        });
    }

    private void subscribe() {
        ActionRunner runner = new ActionRunner(this);
        actions.forEach((service, offered) -> {
            if (!offered.isEmpty()) {
                for (int i = 0; i < ACTION_THREADS; i++) {
                    bus.subscribe(ActionRequest.topic(service), "actions",
                            event -> runner.run(event, offered));
                }
            }
        });
        recipesByTopic.forEach((topic, recipes) -> {
            Dispatcher dispatcher = new Dispatcher(this, List.copyOf(recipes));
            for (int i = 0; i < DISPATCH_THREADS; i++) {
                bus.subscribe(topic, "recipes", dispatcher::dispatch);
            }
        });
    }

    /**
     * Routes a webhook to its service.
     *
     * @param request the request
     * @return the answer
     */
    public WebhookResponse handleWebhook(WebhookRequest request) {
        if (!request.path().startsWith(HOOKS)) {
            return WebhookResponse.text(404, "no webhook at '" + abbreviate(request.path())
                    + "'");
        }
        String serviceId = request.path().substring(HOOKS.length());
        Service service = services.get(serviceId);
        Optional<WebhookHandler> handler = service == null
                ? Optional.empty() : service.webhook();
        if (handler.isEmpty()) {
            return WebhookResponse.text(404, "no service '" + abbreviate(serviceId)
                    + "' takes webhooks");
        }
        if (!"POST".equals(request.method())) {
            return WebhookResponse.text(405, "webhooks take POST, not " + request.method())
                    .withHeader("Allow", "POST");
        }
        if (state != State.RUNNING) {
            return unavailable("engine: not running");
        }
        try {
            return handler.get().handle(request);
        } catch (EventRejectedException e) {
            LOG.warn("Webhook for service '{}' refused: {}", serviceId, e.getMessage());
            return unavailable(e.getMessage())
                    .withHeader("Retry-After", String.valueOf(
                            Math.max(1, e.retryAfter().toSeconds())));
        } catch (RuntimeException | Error e) {
            LOG.error("Webhook handler of service '{}' failed", serviceId, e);
            return WebhookResponse.text(500, "service '" + serviceId + "' failed");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 100 ? text : text.substring(0, 100) + "...";
    }

    private static WebhookResponse unavailable(String why) {
        return WebhookResponse.text(503, why).withHeader("Retry-After", "1");
    }

    /**
     * Publishes an event for recipes on the topic of its type.
     *
     * @param event the event
     */
    public void publishTrigger(Event event) {
        if (state == State.NEW) {
            throw new EventRejectedException("engine: not started; event '" + event.id()
                    + "' was not taken, call start() first", Duration.ofSeconds(1));
        }
        bus.publish(Trigger.topicFor(event.type()), event);
    }

    void publishResult(String topic, Event event) {
        try {
            bus.publish(topic, event);
        } catch (EventRejectedException e) {
            LOG.error("Result event '{}' on topic '{}' was not taken: {}", event.id(), topic,
                    e.getMessage());
        }
    }

    /** Stops intake, drains, then stops services. */
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        }
        LOG.info("Recipe engine closing; draining for up to {}", drainDeadline);
        boolean drained = bus.close(drainDeadline);
        for (Service service : started) {
            try {
                service.close();
            } catch (RuntimeException e) {
                LOG.warn("Service '{}' failed to close", service.id(), e);
            }
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        LOG.info("Recipe engine closed{}", drained ? "" : " with work left undone");
    }

    /**
     * Returns the bus.
     *
     * @return the bus
     */
    public EventBus eventBus() {
        return bus;
    }

    /**
     * Returns the connection store.
     *
     * @return the store
     */
    public ConnectionStore connections() {
        return connections;
    }

    /**
     * Returns the ids of the services.
     *
     * @return the ids in registration order
     */
    public Set<String> serviceIds() {
        return java.util.Collections.unmodifiableSet(services.keySet());
    }

    Clock clock() {
        return clock;
    }

    HttpClient httpClient() {
        return httpClient;
    }

    IdempotencyStore idempotency() {
        return idempotency;
    }

    ScheduledExecutorService scheduler() {
        if (scheduler == null) {
            throw new IllegalStateException("engine: the scheduler exists once started");
        }
        return scheduler;
    }

    static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        return "[" + state.name().toLowerCase() + ", services " + services.keySet() + "]";
    }
}
