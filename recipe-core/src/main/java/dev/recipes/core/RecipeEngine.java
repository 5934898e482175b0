package dev.recipes.core;

import dev.recipes.core.internal.EngineRuntime;
import dev.recipes.core.internal.EngineSettings;
import dev.recipes.core.polling.StateStore;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookHandler;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs recipes: takes events from services, matches them to recipes, and has the services run
 * the recipes' actions.
 *
 * <pre>{@code
 * try (RecipeEngine engine = RecipeEngine.builder()
 *         .recipe(salesLog)
 *         .config("slack.signing-secret", System.getenv("SLACK_SIGNING_SECRET"))
 *         .build()) {
 *     engine.start();
 *     // hand webhooks to engine.webhooks(), for example through JdkWebhookServer
 * }
 * }</pre>
 *
 * <p>Events flow on the bus: services publish on {@code trigger.<event type>}; a matched recipe
 * publishes one action request per step on {@code action.<service>}; the service's actions run
 * there and publish {@code result.<service>.<action>.succeeded} or {@code .failed}. A recipe that
 * cannot run for an event (a filter that throws, a field its mapping needs is missing) publishes
 * on {@value #RECIPE_FAILED_TOPIC} and other recipes still run. The engine is thread-safe.
 */
public final class RecipeEngine implements AutoCloseable {

    /** The topic and event type on which recipe failures are published. */
    public static final String RECIPE_FAILED_TOPIC = "recipe.failed";

    /** The topic and event type on which dead letters are published as they are made. */
    public static final String DEAD_LETTER_TOPIC = "deadletter";

    private final EngineRuntime runtime;

    private RecipeEngine(Builder builder) {
        this.runtime = new EngineRuntime(new EngineSettings(builder.recipes, builder.services,
                builder.discover, builder.bus, builder.connections, builder.idempotency,
                builder.deadLetters, builder.retryPolicy, builder.listeners, builder.scheduler,
                builder.clock, builder.httpClient, builder.config, builder.drainDeadline,
                builder.maxChainDepth, builder.actionLease, builder.leases, builder.state,
                builder.dispatchThreads, builder.actionThreads));
    }

    /**
     * Starts building an engine.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the services and subscribes the recipes and actions to the bus.
     *
     * @throws IllegalStateException if the engine was started before
     * @throws RecipeException if a service cannot start with its configuration
     */
    public void start() {
        runtime.start();
    }

    /**
     * Returns the handler for webhooks: {@code POST /hooks/<service>} goes to that service's
     * webhook handler, and {@code GET /oauth/<service>/...} (an OAuth install's start and
     * callback) to its OAuth handler. Unknown services get 404, other methods 405, and requests
     * while the engine is not running or the bus is full get 503 with {@code Retry-After}.
     *
     * @return the handler, for any HTTP server to call into
     */
    public WebhookHandler webhooks() {
        return runtime::handleWebhook;
    }

    /**
     * Publishes an event for recipes, as a service would.
     *
     * @param event the event
     * @throws EventRejectedException if the bus cannot take it now
     */
    public void publish(Event event) {
        runtime.publishTrigger(event);
    }

    /**
     * Returns the bus, for subscribing to results and failures.
     *
     * @return the bus
     */
    public EventBus bus() {
        return runtime.eventBus();
    }

    /**
     * Returns the connection store.
     *
     * @return the store
     */
    public ConnectionStore connections() {
        return runtime.connections();
    }

    /**
     * Returns the ids of the services the engine runs.
     *
     * @return the ids, in the order the services were registered
     */
    public Set<String> services() {
        return runtime.serviceIds();
    }

    /**
     * Returns the store of action requests the engine gave up on.
     *
     * @return the dead-letter store
     */
    public DeadLetterStore deadLetters() {
        return runtime.deadLetters();
    }

    /**
     * Replays a dead letter: takes it out of the store and requests its action again, as a
     * first attempt with a fresh retry budget. If it fails again, it comes back as a new dead
     * letter.
     *
     * @param deadLetterId the dead letter's id
     * @return {@code true} if the action was requested again, {@code false} if no dead letter
     *     has that id
     * @throws IllegalStateException if the engine is not running, or has no service or action
     *     such as the dead letter names; the dead letter stays in the store
     * @throws EventRejectedException if the bus cannot take the request now; the dead letter
     *     stays in the store
     */
    public boolean replay(String deadLetterId) {
        return runtime.replay(deadLetterId);
    }

    /**
     * Waits until every event and action caused so far has been handled, retries included.
     *
     * @param timeout how long to wait at most
     * @return {@code true} if the engine became idle in time
     * @throws InterruptedException if interrupted while waiting
     * @throws UnsupportedOperationException if the bus cannot tell
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return runtime.awaitIdle(timeout);
    }

    /**
     * Stops taking webhooks, lets queued work finish up to the drain deadline, then stops the
     * services. Calling it again does nothing.
     */
    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return "RecipeEngine" + runtime;
    }

    /** Builds a {@link RecipeEngine}. Each setting is checked when it is set. */
    public static final class Builder {

        private final List<Recipe> recipes = new ArrayList<>();
        private final Map<String, Recipe> recipesById = new HashMap<>();
        private final List<Service> services = new ArrayList<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private boolean discover = true;
        private EventBus bus;
        private ConnectionStore connections;
        private Clock clock;
        private HttpClient httpClient;
        private IdempotencyStore idempotency;
        private DeadLetterStore deadLetters;
        private RetryPolicy retryPolicy;
        private ScheduledExecutorService scheduler;
        private final List<EngineListener> listeners = new ArrayList<>();
        private Duration drainDeadline = Duration.ofSeconds(10);
        private int maxChainDepth = 8;
        private int dispatchThreads = 2;
        private int actionThreads = 64;
        private Duration actionLease = Duration.ofMinutes(2);
        private LeaseStore leases;
        private StateStore state;

        private Builder() {
        }

        /**
         * Adds a recipe.
         *
         * @param recipe the recipe; its id must be unique in the engine
         * @return this builder
         * @throws IllegalArgumentException if a recipe with the same id was added
         */
        public Builder recipe(Recipe recipe) {
            Objects.requireNonNull(recipe, "recipe");
            Recipe added = recipesById.putIfAbsent(recipe.id(), recipe);
            if (added != null) {
                throw new IllegalArgumentException("recipe '" + recipe.id()
                        + "': already added as " + added);
            }
            recipes.add(recipe);
            return this;
        }

        /**
         * Registers a service by hand; it takes precedence over one with the same id found by
         * {@link java.util.ServiceLoader}.
         *
         * @param service the service
         * @return this builder
         * @throws IllegalArgumentException if a service with the same id was registered
         */
        public Builder service(Service service) {
            Objects.requireNonNull(service, "service");
            for (Service added : services) {
                if (added.id().equals(service.id())) {
                    throw new IllegalArgumentException("service '" + service.id()
                            + "': already registered as " + added.getClass().getName());
                }
            }
            services.add(service);
            return this;
        }

        /**
         * Sets whether services are found with {@link java.util.ServiceLoader}; on by default.
         *
         * @param discover {@code false} to run only services registered by hand
         * @return this builder
         */
        public Builder discoverServices(boolean discover) {
            this.discover = discover;
            return this;
        }

        /**
         * Sets the bus; {@link EventBus#inMemory()} by default. The engine closes it.
         *
         * @param bus the bus
         * @return this builder
         * @throws IllegalStateException if a bus was set before
         */
        public Builder bus(EventBus bus) {
            this.bus = setOnce(this.bus, bus, "bus");
            return this;
        }

        /**
         * Sets the connection store; an empty in-memory store by default.
         *
         * @param connections the store
         * @return this builder
         * @throws IllegalStateException if a store was set before
         */
        public Builder connections(ConnectionStore connections) {
            this.connections = setOnce(this.connections, connections, "connections");
            return this;
        }

        /**
         * Sets the clock; the system clock in UTC by default.
         *
         * @param clock the clock
         * @return this builder
         * @throws IllegalStateException if a clock was set before
         */
        public Builder clock(Clock clock) {
            this.clock = setOnce(this.clock, clock, "clock");
            return this;
        }

        /**
         * Sets the HTTP client services call their APIs with; by default one with a 10-second
         * connect timeout.
         *
         * @param httpClient the client
         * @return this builder
         * @throws IllegalStateException if a client was set before
         */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = setOnce(this.httpClient, httpClient, "httpClient");
            return this;
        }

        /**
         * Sets one configuration value. Keys start with the id of the service they configure,
         * such as {@code slack.signing-secret}.
         *
         * @param key the key
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the key was set before
         */
        public Builder config(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, () -> "config '" + key
                    + "': value is null (is the environment variable it comes from set?)");
            if (config.putIfAbsent(key, value) != null) {
                throw new IllegalArgumentException("config '" + key + "': already set");
            }
            return this;
        }

        /**
         * Sets how failed actions are retried; {@link RetryPolicy#ofDefaults()} by default.
         *
         * @param retryPolicy the policy
         * @return this builder
         * @throws IllegalStateException if a policy was set before
         */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = setOnce(this.retryPolicy, retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * Sets where action requests the engine gives up on are kept; an in-memory store of
         * 100,000 by default.
         *
         * @param deadLetters the store
         * @return this builder
         * @throws IllegalStateException if a store was set before
         */
        public Builder deadLetters(DeadLetterStore deadLetters) {
            this.deadLetters = setOnce(this.deadLetters, deadLetters, "deadLetters");
            return this;
        }

        /**
         * Sets what remembers work already done; by default an in-memory store of 100,000 keys
         * kept for 24 hours.
         *
         * @param idempotency the store
         * @return this builder
         * @throws IllegalStateException if a store was set before
         */
        public Builder idempotency(IdempotencyStore idempotency) {
            this.idempotency = setOnce(this.idempotency, idempotency, "idempotency");
            return this;
        }

        /**
         * Sets how long an action attempt holds its idempotency key before another engine
         * instance sharing the store may take the attempt over, as it does when the process
         * running it died; 2 minutes by default. Make it longer than the slowest action takes
         * (its HTTP timeouts included): an attempt still running when its lease runs out may be
         * run a second time elsewhere. Only a store shared by several processes uses it.
         *
         * @param lease a positive duration
         * @return this builder
         * @see IdempotencyStore#begin(String, Duration)
         */
        public Builder actionLease(Duration lease) {
            Objects.requireNonNull(lease, "actionLease");
            if (lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("action lease " + lease + " must be positive");
            }
            this.actionLease = lease;
            return this;
        }

        /**
         * Sets where the leases of work that runs on one instance at a time (schedules, polls)
         * are kept; by default in memory, which suits an engine that runs alone. Engines that
         * share a bus share a lease store too.
         *
         * @param leases the store
         * @return this builder
         * @throws IllegalStateException if a store was set before
         */
        public Builder leases(LeaseStore leases) {
            this.leases = setOnce(this.leases, leases, "leases");
            return this;
        }

        /**
         * Sets where polling triggers keep their cursors and the keys of the items they have
         * seen; by default in memory, so that after a restart each polled source sets a new
         * baseline. Engines that share a lease store share a state store too.
         *
         * @param state the store
         * @return this builder
         * @throws IllegalStateException if a store was set before
         * @see dev.recipes.core.polling.PollingTrigger
         */
        public Builder state(StateStore state) {
            this.state = setOnce(this.state, state, "state");
            return this;
        }

        /**
         * Sets the scheduler for retries and services' timed work; by default the engine makes
         * one and shuts it down on close. A scheduler given here is not shut down by the engine;
         * tests may give one they control.
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalStateException if a scheduler was set before
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = setOnce(this.scheduler, scheduler, "scheduler");
            return this;
        }

        /**
         * Adds a listener that observes events, matches, attempts and dead letters.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(EngineListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Sets how many recipes may trigger each other in a row through result events before
         * the chain is stopped as a likely loop; 8 by default.
         *
         * @param maxChainDepth at least 1
         * @return this builder
         */
        public Builder maxChainDepth(int maxChainDepth) {
            if (maxChainDepth < 1) {
                throw new IllegalArgumentException("max chain depth " + maxChainDepth
                        + " must be at least 1");
            }
            this.maxChainDepth = maxChainDepth;
            return this;
        }

        /**
         * Sets how many threads take the events of each trigger topic and run the recipes on
         * it; 2 by default. A recipe's selectors, filter and mapping run on them, so they should
         * be quick; the actions run elsewhere.
         *
         * @param threads from 1 to 64
         * @return this builder
         */
        public Builder dispatchThreads(int threads) {
            if (threads < 1 || threads > 64) {
                throw new IllegalArgumentException("dispatch threads " + threads
                        + " must be from 1 to 64");
            }
            this.dispatchThreads = threads;
            return this;
        }

        /**
         * Sets how many threads at most run actions at once, shared by all recipes, on the
         * in-memory bus; 64 by default. Threads are started
         * as work arrives and stop after a minute without any. Each recipe still runs at most
         * two actions of a service at once (or what its actions ask for with
         * {@link dev.recipes.core.spi.Action#concurrency()}, up to this number), so that a slow
         * recipe holds only its own share. On another bus, such as a durable one, each recipe
         * has its own queue per service on the bus and threads of its own, and this setting is
         * not used.
         *
         * @param threads from 1 to 1,024
         * @return this builder
         */
        public Builder actionThreads(int threads) {
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("action threads " + threads
                        + " must be from 1 to 1,024");
            }
            this.actionThreads = threads;
            return this;
        }

        /**
         * Sets how long {@link RecipeEngine#close()} waits for queued work; 10 seconds by
         * default.
         *
         * @param deadline a positive duration
         * @return this builder
         */
        public Builder drainDeadline(Duration deadline) {
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("drain deadline " + deadline
                        + " must be positive");
            }
            this.drainDeadline = deadline;
            return this;
        }

        /**
         * Builds the engine; it does nothing until {@link RecipeEngine#start()}.
         *
         * @return the engine
         * @throws IllegalStateException if a recipe names a service or action that is not
         *     there or has an incomplete step, or a configuration key names no service or a key
         *     its service does not read
         */
        public RecipeEngine build() {
            return new RecipeEngine(this);
        }

        private static <T> T setOnce(T current, T value, String what) {
            Objects.requireNonNull(value, what);
            if (current != null) {
                throw new IllegalStateException(what + ": already set to " + current);
            }
            return value;
        }
    }
}
