package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine side of the ingress benchmark: a {@link RecipeEngine} with the Slack service and
 * one recipe, on every Slack message, whose one action does nothing but note the id of the
 * event that triggered it, behind a {@link JdkWebhookServer}. What the engine does for a
 * delivery beyond the bare baseline (dedupe by {@code event_id}, the event on the bus, the
 * recipe's trigger, the action request and its run) is what the benchmark measures.
 *
 * <p>Not thread-safe to start and close; the counts may be read from any thread.
 */
final class SlackIngressEngine implements AutoCloseable {

    /** The id of the benchmark's own service, which offers the counting action. */
    static final String SERVICE = "bench";

    private final RecipeEngine engine;
    private final JdkWebhookServer server;
    private final LongAdder received = new LongAdder();
    private final LongAdder runs = new LongAdder();
    private final HandledIds handled = new HandledIds();

    private SlackIngressEngine(Settings settings, Secret secret) {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(secret))
                .service(new CountingService(runs, handled, settings.actionDelay()))
                .bus(EventBus.inMemory(settings.busCapacity()))
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        received.increment();
                    }
                })
                .recipe(recipe(settings.action()))
                .build();
        engine.start();
        JdkWebhookServer.Builder builder = JdkWebhookServer.builder(engine.webhooks())
                .address(new InetSocketAddress("127.0.0.1", 0));
        if (settings.threads() > 0) {
            builder.threads(settings.threads());
        }
        if (settings.queueCapacity() >= 0) {
            builder.queueCapacity(settings.queueCapacity());
        }
        server = builder.start();
    }

    // Without the action, the recipe's filter notes each event and turns it down, so that the
    // recipe requests no action: the engine's cost without the action's part.
    private Recipe recipe(boolean action) {
        Recipe.Builder recipe = Recipe.named("count-messages").when(Slack.message());
        if (!action) {
            recipe.filter(event -> {
                runs.increment();
                handled.add(event.id());
                return false;
            });
        }
        return recipe.then(ActionStep.of(SERVICE, "count").build()).build();
    }

    /**
     * Starts the engine and its server on a free loopback port.
     *
     * @param settings the server's and the engine's sizes
     * @param secret the Slack signing secret
     * @return the running engine
     */
    static SlackIngressEngine start(Settings settings, Secret secret) {
        return new SlackIngressEngine(settings, secret);
    }

    /**
     * Returns the port the server listens on.
     *
     * @return the bound port
     */
    int port() {
        return server.port();
    }

    /**
     * Returns how many events the Slack service published to the bus.
     *
     * @return the count
     */
    long received() {
        return received.sum();
    }

    /**
     * Returns how many times the recipe's action ran, or without it, its filter.
     *
     * @return the count
     */
    long handled() {
        return runs.sum();
    }

    /**
     * Waits until the engine has handled every event and action so far.
     *
     * @param wait how long to wait at most
     * @return {@code true} if it became idle in time
     * @throws InterruptedException if interrupted while waiting
     */
    boolean idle(Duration wait) throws InterruptedException {
        return engine.awaitIdle(wait);
    }

    /**
     * Waits until the engine is idle, then returns the accepted events the action (or without
     * it, the recipe's filter) never saw: those are lost. The ids checked are forgotten, so
     * that the ids kept stay few.
     *
     * @param accepted the ids of the events the server answered 200
     * @param wait how long to wait for the engine to become idle
     * @return the lost ids, empty if none
     * @throws InterruptedException if interrupted while waiting
     */
    List<String> lost(Collection<String> accepted, Duration wait) throws InterruptedException {
        engine.awaitIdle(wait);
        Noted seen = handled.drain();
        List<String> lost = new ArrayList<>();
        for (String id : accepted) {
            if (!seen.contains(id)) {
                lost.add(id);
            }
        }
        // What was seen but not checked (a copy handled twice, a warm-up id) is forgotten.
        return lost;
    }

    /** Stops the server, then the engine. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            engine.close();
        }
    }

    /**
     * How the engine side is sized.
     *
     * @param threads the server's request threads; 0 for its default
     * @param queueCapacity the server's request queue; negative for its default
     * @param busCapacity each group's queue on the in-memory bus
     * @param actionDelay how long the action takes; zero for none
     * @param action whether the recipe requests its action; without it, the recipe's filter
     *     notes each event and turns it down
     */
    record Settings(int threads, int queueCapacity, int busCapacity, Duration actionDelay,
            boolean action) {

        /** The defaults of the server and the bus, and an action that takes no time. */
        static final Settings DEFAULTS = new Settings(0, -1, 1024, Duration.ZERO, true);
    }

    /** A service whose one action, {@code count}, notes its trigger event's id. */
    private static final class CountingService implements Service {

        private final LongAdder runs;
        private final HandledIds handled;
        private final Duration delay;

        CountingService(LongAdder runs, HandledIds handled, Duration delay) {
            this.runs = runs;
            this.handled = handled;
            this.delay = delay;
        }

        @Override
        public String id() {
            return SERVICE;
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "count";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    if (!delay.isZero()) {
                        LockSupport.parkNanos(TimeUnit.NANOSECONDS.convert(delay));
                    }
                    runs.increment();
                    handled.add(invocation.triggerEventId());
                    return NullNode.getInstance();
                }
            });
        }
    }

    /**
     * The ids of the events the recipe saw, noted by each thread in a record of its own, so that
     * noting one costs the engine's threads neither a shared hash set's insert nor an object
     * kept until the check (which the bare server, having no recipe, does not pay, in time or in
     * garbage collection): the benchmark's ids are a batch's prefix, a dash and a number, noted
     * as a bit per number; any other id is kept as it is. The record of all threads is put
     * together only for the check, after the round.
     */
    static final class HandledIds {

        private final List<Noted> all = new CopyOnWriteArrayList<>();
        private final ThreadLocal<Noted> own = ThreadLocal.withInitial(() -> {
            Noted noted = new Noted();
            all.add(noted);
            return noted;
        });

        /** Notes an id, in the calling thread's record. */
        void add(String id) {
            Noted noted = own.get();
            synchronized (noted) {
                noted.add(id);
            }
        }

        /** Returns every id noted since the last call, and forgets them. */
        Noted drain() {
            Noted merged = new Noted();
            for (Noted noted : all) {
                synchronized (noted) {
                    merged.addAll(noted);
                    noted.clear();
                }
            }
            return merged;
        }
    }

    /** Ids noted: a bit per number under each prefix, and the ids of any other shape. */
    static final class Noted {

        private final Map<String, BitSet> numbered = new HashMap<>();
        private final Set<String> others = new HashSet<>();
        // The last prefix and its bits, so that a run of one batch's ids looks up neither.
        private String lastPrefix;
        private BitSet lastBits;

        void add(String id) {
            int dash = id.lastIndexOf('-');
            int number = number(id, dash);
            if (number < 0) {
                others.add(id);
                return;
            }
            if (lastPrefix == null || !id.startsWith(lastPrefix) || lastPrefix.length() != dash) {
                lastPrefix = id.substring(0, dash);
                lastBits = numbered.computeIfAbsent(lastPrefix, prefix -> new BitSet());
            }
            lastBits.set(number);
        }

        /**
         * Tells whether an id was noted.
         *
         * @param id the id
         * @return whether it was noted
         */
        boolean contains(String id) {
            int dash = id.lastIndexOf('-');
            int number = number(id, dash);
            if (number < 0) {
                return others.contains(id);
            }
            BitSet bits = numbered.get(id.substring(0, dash));
            return bits != null && bits.get(number);
        }

        void addAll(Noted other) {
            other.numbered.forEach((prefix, bits) ->
                    numbered.computeIfAbsent(prefix, p -> new BitSet()).or(bits));
            others.addAll(other.others);
        }

        void clear() {
            numbered.clear();
            others.clear();
            lastPrefix = null;
            lastBits = null;
        }

        // The number after the dash, or -1 if the id is not a prefix, a dash and a number.
        private static int number(String id, int dash) {
            if (dash < 1 || dash == id.length() - 1 || id.length() - dash > 10) {
                return -1;
            }
            int number = 0;
            for (int i = dash + 1; i < id.length(); i++) {
                char c = id.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                number = number * 10 + (c - '0');
            }
            return number;
        }
    }
}
