package dev.recipes.core.internal;

import dev.recipes.core.ActionStep;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.DeadLetterStore;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.core.polling.StateStore;
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
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a {@link RecipeEngine} runs: its services, its recipe index and its action runners. */
public final class EngineRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(RecipeEngine.class);
    private static final String HOOKS = "/hooks/";
    private static final String OAUTH = "/oauth/";
    private static final Duration SHED_LOG_INTERVAL = Duration.ofSeconds(10);
    private static final int ACTION_THREADS = 2;
    private static final String DISPATCH_GROUP = "recipes";
    private static final long RESULT_PAUSE_MILLIS = 50;
    private static final Duration DISPATCHER_WAIT = Duration.ofSeconds(1);
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(2);

    private enum State { NEW, RUNNING, CLOSED }

    private final Map<String, Service> services;
    private final Map<String, Map<String, Action>> actions = new LinkedHashMap<>();
    private final List<Recipe> recipes = new ArrayList<>();
    private final Map<String, Recipe> recipesById = new java.util.HashMap<>();
    private final Map<String, List<String>> servicesByRecipe = new java.util.HashMap<>();
    private final Map<String, Set<String>> followers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<List<String>, Set<String>> followersByTopics =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final EventBus bus;
    private final ConnectionStore connections;
    private final Clock clock;
    private final HttpClient httpClient;
    private final Map<String, String> config;
    private final Duration drainDeadline;
    private final IdempotencyStore idempotency;
    private final DeadLetterStore deadLetters;
    private final RetryPolicy retryPolicy;
    private final Listeners listeners;
    private final int maxChainDepth;
    private final Duration actionLease;
    private final LeaseStore leases;
    private final Schedules schedules;
    private final StateStore stateStore;
    private final Pollers pollers;
    private final RecipeIndex index;
    private final int dispatchThreads;
    private final int actionThreads;
    private final String instanceId = UUID.randomUUID().toString();
    private final AtomicLong shedSinceLog = new AtomicLong();
    private final AtomicLong lastShedLog = new AtomicLong();
    private final boolean ownsScheduler;
    private final PendingRetries retries = new PendingRetries();
    private final List<Service> started = new ArrayList<>();
    private volatile ScheduledExecutorService scheduler;
    private volatile ActionRunner runner;
    private volatile ActionLanes lanes;
    private volatile State state = State.NEW;
    private volatile boolean abandoning;

    /**
     * Resolves services and checks every recipe against them.
     *
     * @param settings what the builder collected
     * @throws IllegalStateException if a recipe names a service or action that does not exist,
     *     has an incomplete step, or a configuration key is unknown
     */
    public EngineRuntime(EngineSettings settings) {
        this.services = resolveServices(settings.services(), settings.discover());
        this.bus = orElse(settings.bus(), EventBus::inMemory);
        this.connections = orElse(settings.connections(), ConnectionStore::inMemory);
        this.clock = orElse(settings.clock(), Clock::systemUTC);
        this.httpClient = orElse(settings.httpClient(), () -> HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10)).build());
        this.config = Map.copyOf(settings.config());
        this.drainDeadline = settings.drainDeadline();
        this.idempotency = orElse(settings.idempotency(),
                () -> IdempotencyStore.inMemory(100_000, Duration.ofHours(24), this.clock));
        this.deadLetters = orElse(settings.deadLetters(), () -> DeadLetterStore.inMemory(100_000));
        this.retryPolicy = orElse(settings.retryPolicy(), RetryPolicy::ofDefaults);
        this.listeners = new Listeners(settings.listeners());
        this.maxChainDepth = settings.maxChainDepth();
        this.actionLease = settings.actionLease();
        this.leases = orElse(settings.leases(), () -> LeaseStore.inMemory(this.clock));
        this.ownsScheduler = settings.scheduler() == null;
        this.scheduler = settings.scheduler();
        services.values().forEach(this::indexActions);
        settings.recipes().forEach(this::indexRecipe);
        this.index = new RecipeIndex(recipes);
        this.dispatchThreads = settings.dispatchThreads();
        this.actionThreads = settings.actionThreads();
        this.schedules = new Schedules(this, recipes);
        this.stateStore = orElse(settings.state(), StateStore::inMemory);
        this.pollers = new Pollers(this, recipes, services);
        checkConfig();
    }

    private static <T> T orElse(T value, java.util.function.Supplier<T> fallback) {
        return value != null ? value : fallback.get();
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
                        + services.keySet() + " (a service is found when its class is listed "
                        + "in META-INF/services/" + Service.class.getName() + " on the class "
                        + "path, or provided by a module on the module path, or registered "
                        + "with RecipeEngine.Builder.service)");
            }
            if (!offered.containsKey(step.action())) {
                throw new IllegalStateException("recipe '" + recipe.id() + "': service '"
                        + step.service() + "' has no action '" + step.action()
                        + "'; actions: " + offered.keySet());
            }
        }
        recipes.add(recipe);
        recipesById.put(recipe.id(), recipe);
        servicesByRecipe.put(recipe.id(),
                recipe.steps().stream().map(ActionStep::service).distinct().toList());
    }

    /** Starts services, subscribes action runners and recipes, then starts the schedules. */
    public synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("engine: already " + state.name().toLowerCase());
        }
        if (ownsScheduler) {
            scheduler = Executors.newScheduledThreadPool(1, daemonThreads("recipes-scheduler"));
        }
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
        schedules.start();
        pollers.start();
        LOG.info("Recipe engine started: services {}, {} recipes", services.keySet(),
                recipes.size());
        warnOfMissingConnections();
    }

    // Connections may be added while the engine runs, so a missing one is worth a warning at
    // start, not a refusal.
    private void warnOfMissingConnections() {
        recipes.forEach(recipe -> {
            for (ActionStep step : recipe.steps()) {
                boolean needed = actions.get(step.service()).get(step.action()).needsConnection()
                        && !step.connectionFromEvent();
                if (needed && connections.find(step.service(), step.connection()).isEmpty()) {
                    LOG.warn("Recipe '{}': connection '{}/{}' is not in the connection store; "
                            + "its actions fail until it is added with connections().put()",
                            recipe.id(), step.service(), step.connection());
                }
            }
        });
    }

    // Each trigger topic has one subscription, whose few threads find the recipes an event
    // concerns in the index and run them, so threads do not grow with recipes. Actions go to
    // the recipe's own queue per service: on the in-memory bus, a lane of the shared action
    // pool (ActionLanes), which runs a few of the recipe's requests at once; on any other bus,
    // a topic of the recipe's own with threads of its own, so that what is queued stays on that
    // bus (outliving the process on a durable one). Either way a slow recipe fills its own
    // queue, and the engine then refuses the events that would add to it (503 at the ingress).
    // Limitation: on other buses, threads and bus consumers still grow with the recipes.
    private void subscribe() {
        ActionRunner runner = new ActionRunner(this);
        this.runner = runner;
        if (actionsInLanes()) {
            lanes = new ActionLanes((InMemoryEventBus) bus, runner, actions, this::laneLimit,
                    this::largestBatch, laneCapacity(), actionThreads);
        }
        Dispatcher dispatcher = new Dispatcher(this, index);
        for (String topic : index.topics()) {
            for (int i = 0; i < dispatchThreads; i++) {
                bus.subscribe(topic, DISPATCH_GROUP, event -> dispatcher.dispatch(topic, event));
            }
        }
        if (lanes != null) {
            return;
        }
        for (Recipe recipe : recipes) {
            recipe.steps().stream().map(ActionStep::service).distinct().forEach(service -> {
                Map<String, Action> offered = actions.get(service);
                int threads = actionThreads(recipe, service, offered);
                for (int i = 0; i < threads; i++) {
                    bus.subscribe(ActionRequest.topic(service, recipe.id()), "actions",
                            event -> runner.run(event, offered));
                }
            });
        }
    }

    /**
     * Tells whether action requests wait in lanes of this process rather than on the bus: on
     * the in-memory bus only, which keeps them in this process anyway.
     */
    boolean actionsInLanes() {
        return bus instanceof InMemoryEventBus;
    }

    // A lane holds as many requests as a queue of the bus, so that a recipe's backlog is
    // bounded alike on either side of the bus.
    private int laneCapacity() {
        return ((InMemoryEventBus) bus).queueCapacity();
    }

    // A recipe's lane runs one batch at a time when one of its actions of the service takes
    // requests in batches: the requests that come meanwhile make the next batch.
    private int laneLimit(String recipeId, String service) {
        Recipe recipe = recipesById.get(recipeId);
        if (recipe == null || !actions.containsKey(service)) {
            return ACTION_THREADS;
        }
        return largestBatch(recipeId, service) > 1 ? 1
                : actionThreads(recipe, service, actions.get(service));
    }

    // The largest batch among a recipe's actions of a service; 1 when none takes batches.
    private int largestBatch(String recipeId, String service) {
        Recipe recipe = recipesById.get(recipeId);
        Map<String, Action> offered = actions.get(service);
        int largest = 1;
        if (recipe == null || offered == null) {
            return largest;
        }
        for (ActionStep step : recipe.steps()) {
            Action action = step.service().equals(service) ? offered.get(step.action()) : null;
            try {
                largest = action == null ? largest : Math.max(largest, action.maxBatch());
            } catch (RuntimeException e) {
                LOG.warn("Action '{}/{}' failed to tell its batch size", service, step.action(),
                        e);
            }
        }
        return largest;
    }

    /**
     * Hands an action request to its recipe's queue for its service.
     *
     * @param request the request
     * @throws EventRejectedException if the queue cannot take it now, or the engine closed
     */
    void requestAction(ActionRequest request) {
        ActionLanes local = lanes;
        if (local != null) {
            local.submit(request);
        } else {
            bus.publish(request.topic(), request.toEvent(clock.instant()));
        }
    }

    /**
     * Tells whether an event on a topic could reach anyone: on the in-memory bus, whether a
     * group subscribes to it now; on another bus, always, for other processes may.
     */
    boolean hasAudience(String topic) {
        return !(bus instanceof InMemoryEventBus memory) || memory.hasSubscribers(topic);
    }

    // Refuses an event that would add to a recipe's full lane, as a full bus queue refuses it,
    // so that the publisher holds back (503 at the ingress) rather than the lane growing.
    // The recipes that follow a recipe's results, failures or dead letters are checked too:
    // their lanes are fed by the action threads, which must never wait for room (they would
    // wait for themselves), so the bound on the chain is kept here, at its start. While no lane
    // is full, as is usual, this costs one look at an empty map.
    private void admit(String topic, Event event) {
        ActionLanes local = lanes;
        if (local == null || local.fullRecipes().isEmpty()) {
            return;
        }
        for (Recipe recipe : index.candidates(topic, event)) {
            String full = local.isFull(recipe.id())
                    ? local.fullLane(recipe.id(), servicesOf(recipe)) : null;
            if (full == null) {
                Set<String> next = followers(recipe);
                for (String blocked : local.fullRecipes()) {
                    if (next.contains(blocked)) {
                        full = local.fullLane(blocked, servicesOf(recipesById.get(blocked)));
                        if (full != null) {
                            full = full + ", which follows recipe '" + recipe.id() + "'";
                            break;
                        }
                    }
                }
            }
            if (full != null) {
                throw new EventRejectedException(full + "; event '" + event.id() + "' was not "
                        + "taken", Duration.ofSeconds(1));
            }
        }
    }

    // The ids of the recipes that run, directly or down a chain, on what a recipe's actions
    // publish: their results, and the engine's recipe failures and dead letters. Computed once
    // per set of topics a recipe publishes on, and shared by the recipes with the same set.
    private Set<String> followers(Recipe recipe) {
        return followers.computeIfAbsent(recipe.id(), id -> followersByTopics.computeIfAbsent(
                producedTopics(recipe), topics -> {
                    Set<String> found = new java.util.HashSet<>();
                    java.util.ArrayDeque<String> next = new java.util.ArrayDeque<>(topics);
                    Set<String> seenTopics = new java.util.HashSet<>(topics);
                    while (!next.isEmpty()) {
                        for (Recipe follower : index.recipesOn(next.poll())) {
                            if (found.add(follower.id())) {
                                for (String produced : producedTopics(follower)) {
                                    if (seenTopics.add(produced)) {
                                        next.add(produced);
                                    }
                                }
                            }
                        }
                    }
                    return Set.copyOf(found);
                }));
    }

    private static List<String> producedTopics(Recipe recipe) {
        List<String> topics = new ArrayList<>();
        for (ActionStep step : recipe.steps()) {
            topics.add(Trigger.onSuccess(step.service(), step.action()).topic());
            topics.add(Trigger.onFailure(step.service(), step.action()).topic());
        }
        topics.add(RecipeEngine.RECIPE_FAILED_TOPIC);
        topics.add(RecipeEngine.DEAD_LETTER_TOPIC);
        return topics;
    }

    private List<String> servicesOf(Recipe recipe) {
        return servicesByRecipe.get(recipe.id());
    }

    // The threads of a recipe's queue for a service: 2, or more if one of the recipe's actions
    // of that service asks for them (one that waits for others to send them together), capped.
    private static int actionThreads(Recipe recipe, String service, Map<String, Action> offered) {
        int wanted = ACTION_THREADS;
        for (ActionStep step : recipe.steps()) {
            if (step.service().equals(service)) {
                Action action = offered.get(step.action());
                try {
                    wanted = Math.max(wanted, action.concurrency());
                } catch (RuntimeException e) {
                    LOG.warn("Action '{}/{}' failed to tell its concurrency; recipe '{}' runs "
                            + "it on {} threads", service, action.name(), recipe.id(),
                            ACTION_THREADS, e);
                }
            }
        }
        return Math.min(wanted, Action.MAX_CONCURRENCY);
    }

    /**
     * Routes a request to its service: {@code POST /hooks/<service>} and
     * {@code /hooks/<service>/<more segments>} go to the service's webhook handler,
     * {@code GET /oauth/<service>/<more segments>} to its OAuth handler; either sees the full
     * path.
     *
     * @param request the request
     * @return the answer; 404 for a path outside {@code /hooks/} and {@code /oauth/}, with an
     *     empty, {@code .} or {@code ..} segment or a character a URI path cannot hold, or
     *     naming no service that takes such requests; 405 for another method
     */
    public WebhookResponse handleWebhook(WebhookRequest request) {
        String path = request.path();
        boolean oauth = path.startsWith(OAUTH);
        String prefix = oauth ? OAUTH : HOOKS;
        String kind = oauth ? "OAuth request" : "webhook";
        if (!oauth && !path.startsWith(HOOKS)) {
            return WebhookResponse.text(404, "no webhook at '" + abbreviate(path) + "'");
        }
        String problem = pathProblem(path, prefix);
        if (problem != null) {
            return WebhookResponse.text(404, kind + " path '" + abbreviate(path) + "' "
                    + problem);
        }
        int slash = path.indexOf('/', prefix.length());
        String serviceId = path.substring(prefix.length(), slash < 0 ? path.length() : slash);
        Service service = services.get(serviceId);
        Optional<WebhookHandler> handler = service == null ? Optional.empty()
                : oauth ? service.oauth() : service.webhook();
        if (handler.isEmpty()) {
            return WebhookResponse.text(404, "no service '" + abbreviate(serviceId)
                    + (oauth ? "' takes OAuth requests" : "' takes webhooks"));
        }
        String method = oauth ? "GET" : "POST";
        if (!method.equals(request.method())) {
            return WebhookResponse.text(405, kind + "s take " + method + ", not "
                    + abbreviate(request.method())).withHeader("Allow", method);
        }
        if (state != State.RUNNING) {
            return unavailable("engine: not running");
        }
        try {
            return handler.get().handle(request);
        } catch (EventRejectedException e) {
            logShed(kind, serviceId, e.getMessage());
            return unavailable(e.getMessage())
                    .withHeader("Retry-After", String.valueOf(
                            Math.max(1, e.retryAfter().toSeconds())));
        } catch (RuntimeException | Error e) {
            LOG.error("{} handler of service '{}' failed", kind, serviceId, e);
            return WebhookResponse.text(500, "service '" + serviceId + "' failed");
        }
    }

    // A shed request is logged at DEBUG; at WARN only the first, then at most one line per
    // interval counting those shed since, so that an overload does not flood the log.
    private void logShed(String kind, String serviceId, String why) {
        LOG.debug("{} for service '{}' refused: {}", kind, serviceId, why);
        long now = System.nanoTime();
        long shed = shedSinceLog.incrementAndGet();
        long last = lastShedLog.get();
        if ((last == 0 || now - last >= SHED_LOG_INTERVAL.toNanos())
                && lastShedLog.compareAndSet(last, now == 0 ? 1 : now)) {
            shedSinceLog.addAndGet(-shed);
            LOG.warn("{} refused with 503 while the bus was full: {} since the last such line"
                    + " (the latest for service '{}': {})", kind, shed, serviceId, why);
        }
    }

    // Senders and proxies disagree on what an empty or dot segment means, so such paths are
    // refused here rather than reaching a handler in a form it did not expect.
    // It runs on every request, so it walks the path once rather than splitting it.
    private static String pathProblem(String path, String prefix) {
        int start = prefix.length();
        while (true) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            String problem = segmentProblem(path, start, end);
            if (problem != null || slash < 0) {
                return problem;
            }
            start = slash + 1;
        }
    }

    private static String segmentProblem(String path, int start, int end) {
        if (start == end) {
            return "has an empty segment (a doubled or trailing '/')";
        }
        for (int i = start; i < end; i++) {
            if (!isPathChar(path.charAt(i))) {
                return "has a character that a URI path cannot hold";
            }
        }
        // At most two dots, each written as '.' or '%2e': no longer than six characters.
        if (end - start <= 6) {
            String decoded = path.substring(start, end).replace("%2e", ".").replace("%2E", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return "has a '" + decoded + "' segment";
            }
        }
        return null;
    }

    // RFC 3986 pchar: unreserved, percent-encoded, sub-delims, ':' and '@'.
    private static boolean isPathChar(int c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "-._~%!$&'()*+,;=:@".indexOf(c) >= 0);
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
        if (state != State.RUNNING) {
            throw new EventRejectedException("engine: " + (state == State.NEW
                    ? "not started; call start() first" : "closed") + "; event '" + event.id()
                    + "' was not taken", Duration.ofSeconds(1));
        }
        String topic = Trigger.topicFor(event.type());
        admit(topic, event);
        bus.publish(topic, event);
        listeners.eventReceived(event);
    }

    /**
     * Publishes an event the engine itself produces (a result, a failure, a dead letter). Recipes
     * may follow these, so a full queue is waited out like any backpressure, holding back the
     * thread that produced the event; only a closed engine gives the event up. A thread that runs
     * the recipes of a topic does not wait for room on that very topic, which only it and its
     * like empty, and waits one second at most on another: past that it gives the event up,
     * logging an ERROR (a recipe failure or a dead letter's announcement; the letter is kept).
     */
    void publishResult(String topic, Event event) {
        String draining = Dispatcher.dispatchingTopic();
        long giveUpAt = draining == null ? Long.MAX_VALUE
                : System.nanoTime() + (draining.equals(topic) ? 0 : DISPATCHER_WAIT.toNanos());
        while (true) {
            try {
                // No lane check here: the caller may be an action thread, and the lanes of the
                // recipes that follow were checked when the chain's first event came in.
                bus.publish(topic, event);
                return;
            } catch (EventRejectedException e) {
                if (state == State.CLOSED) {
                    LOG.error("Event '{}' on topic '{}' was not taken while closing: {}",
                            event.id(), topic, e.getMessage());
                    return;
                }
                if (System.nanoTime() - giveUpAt >= 0) {
                    LOG.error("Event '{}' on topic '{}' was given up: its queue is full, and the "
                            + "thread publishing it runs the recipes of topic '{}', so it cannot "
                            + "wait for room: {}", event.id(), topic, draining, e.getMessage());
                    return;
                }
            }
            try {
                Thread.sleep(RESULT_PAUSE_MILLIS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                LOG.error("Event '{}' on topic '{}' was not taken: interrupted", event.id(),
                        topic);
                return;
            }
        }
    }

    /**
     * Stops intake, lets queued work and due retries finish up to the drain deadline,
     * dead-letters the retries still waiting, then stops the bus and the services.
     */
    public void close() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        }
        schedules.close();
        pollers.close();
        long deadline = System.nanoTime() + drainDeadline.toNanos();
        boolean drained;
        if (bus.isDurable()) {
            // What is queued belongs to every instance of a durable bus: this one only finishes
            // the handlers it is running, and leaves the rest for the others.
            LOG.info("Recipe engine closing; finishing running work for up to {}, leaving the "
                    + "rest on the bus", drainDeadline);
            drained = true;
        } else {
            LOG.info("Recipe engine closing; draining for up to {}", drainDeadline);
            drained = awaitIdleUntil(deadline);
        }
        if (!drained) {
            // Past the deadline, what is still queued is dead-lettered instead of run, so that
            // the bus empties fast and nothing it took is dropped.
            abandoning = true;
            LOG.warn("Recipe engine: drain deadline of {} passed; dead-lettering queued work",
                    drainDeadline);
        }
        deadLetterWaitingRetries();
        drained &= bus.close(Duration.ofNanos(Math.max(deadline - System.nanoTime(),
                ABANDON_WAIT.toNanos())));
        if (lanes != null) {
            // What the lanes still hold runs now, dead-lettered if past the deadline.
            drained &= lanes.close(Duration.ofNanos(Math.max(deadline - System.nanoTime(),
                    ABANDON_WAIT.toNanos())));
        }
        // Actions still running after the deadline may have scheduled retries since.
        deadLetterWaitingRetries();
        for (Service service : started) {
            try {
                service.close();
            } catch (RuntimeException e) {
                LOG.warn("Service '{}' failed to close", service.id(), e);
            }
        }
        if (ownsScheduler && scheduler != null) {
            scheduler.shutdownNow();
        }
        LOG.info("Recipe engine closed{}", drained ? "" : " with work left undone");
    }

    private void deadLetterWaitingRetries() {
        List<ActionRequest> waiting = retries.cancelAll();
        if (!waiting.isEmpty() && runner != null) {
            LOG.warn("Recipe engine closing with {} actions waiting to be retried; "
                    + "dead-lettering them for replay", waiting.size());
            for (ActionRequest request : waiting) {
                runner.deadLetter(request, request.attempt() - 1,
                        DeadLetter.Reason.ENGINE_CLOSED, "the engine closed before attempt "
                                + request.attempt());
            }
        }
    }

    /**
     * Waits until the bus is idle and no action waits for a retry.
     *
     * @param timeout how long to wait
     * @return {@code true} if the engine became idle in time
     * @throws InterruptedException if interrupted
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            // The in-memory bus counts the requests in the action lanes as its own work.
            if (!bus.awaitIdle(Duration.ofNanos(Math.max(left, 0)))
                    || !retries.awaitEmpty(deadline)) {
                return false;
            }
            // No retry pending, and none scheduled or fired, from before the bus was seen idle
            // to after it: then nothing was running anywhere at that moment.
            long before = retries.versionIfEmpty();
            if (before >= 0 && bus.awaitIdle(Duration.ZERO)
                    && retries.versionIfEmpty() == before) {
                return true;
            }
        }
    }

    private boolean awaitIdleUntil(long deadline) {
        try {
            return awaitIdle(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Replays a dead letter: takes it out of the store and requests its action again, as a
     * first attempt with a fresh retry budget.
     *
     * @param id the dead letter's id
     * @return {@code true} if it was requested again; {@code false} if there is no such letter
     * @throws IllegalStateException if the engine is not running, or has no such service or
     *     action as the letter names; the letter stays stored
     * @throws EventRejectedException if the bus cannot take it now; the letter stays stored
     */
    public boolean replay(String id) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("engine: not running; dead letters are replayed by "
                    + "a running engine");
        }
        Optional<DeadLetter> letter = deadLetters.find(id);
        if (letter.isEmpty()) {
            return false;
        }
        Map<String, Action> offered = actions.get(letter.get().service());
        if (offered == null || !offered.containsKey(letter.get().action())) {
            throw new IllegalStateException("dead letter " + id + ": this engine has no action '"
                    + letter.get().service() + "/" + letter.get().action() + "' to replay it "
                    + "with; it stays stored");
        }
        if (!deadLetters.remove(id)) {
            return false;
        }
        ActionRequest request = ActionRequest.replaying(letter.get(), clock.instant());
        try {
            requestAction(request);
        } catch (EventRejectedException e) {
            deadLetters.add(letter.get());
            throw e;
        }
        LOG.info("Dead letter {} replayed", id);
        return true;
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

    Duration actionLease() {
        return actionLease;
    }

    /** Returns the lease store. */
    public LeaseStore leases() {
        return leases;
    }

    /** Returns the state store of polled sources. */
    StateStore stateStore() {
        return stateStore;
    }

    /** Returns this engine instance's id, unique per process and start: a lease holder. */
    public String instanceId() {
        return instanceId;
    }

    IdempotencyStore idempotency() {
        return idempotency;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Tells whether close() passed its deadline and queued work is to be dead-lettered. */
    boolean isAbandoning() {
        return abandoning;
    }

    ActionRunner runner() {
        return runner;
    }

    DeadLetterStore deadLetterStore() {
        return deadLetters;
    }

    /**
     * Returns the dead-letter store.
     *
     * @return the store
     */
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    Listeners listeners() {
        return listeners;
    }

    PendingRetries retries() {
        return retries;
    }

    int maxChainDepth() {
        return maxChainDepth;
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
