package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine finds the recipes an event concerns by their triggers' index keys: a trigger is
 * asked about an event only when the event carries its key, recipes without a key see every
 * event of their type, and threads do not grow with the number of recipes.
 */
final class RecipeIndexTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TYPE = "shop.order";

    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final List<String> matched = new CopyOnWriteArrayList<>();
    private final AtomicInteger asked = new AtomicInteger();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void start(List<Recipe> recipes) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new CountingService())
                .listener(new EngineListener() {
                    @Override
                    public void recipeMatched(String recipeId, Event event) {
                        matched.add(recipeId + "@" + event.id());
                    }
                });
        recipes.forEach(builder::recipe);
        engine = builder.build();
        engine.start();
    }

    private Recipe recipe(String id, Trigger trigger) {
        return Recipe.named(id).when(trigger)
                .then(ActionStep.of("count", "run").constant("recipe", id).build())
                .build();
    }

    private static Event order(String id, String shop) {
        return Event.builder(TYPE).id(id).source("/shop")
                .data(JSON.createObjectNode().put("shop", shop)).build();
    }

    @Test
    void eachEventReachesTheRecipesOfItsKeyAndThoseWithoutOne() throws Exception {
        List<Recipe> recipes = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            String shop = shop(i);
            recipes.add(recipe("shop-" + i, new ShopTrigger(shop, Set.of(shop))));
        }
        recipes.add(recipe("every-order", Trigger.of(TYPE)));
        start(recipes);

        for (int i = 0; i < 20; i++) {
            engine.publish(order("order-" + i, shop(i * 250)));
        }
        engine.publish(order("order-nobody", "shop-none"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("shop-" + (i * 250));
        }
        assertThat(ran).filteredOn(id -> !id.equals("every-order"))
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ran).filteredOn("every-order"::equals).hasSize(21);
        assertThat(asked).as("keyed triggers asked only about events with their key")
                .hasValue(20);
    }

    @Test
    void aTriggerWithSeveralValuesIsFoundByEachAndStillDecidesWithMatches() throws Exception {
        start(List.of(
                recipe("north", new ShopTrigger("shop-a", Set.of("shop-a", "shop-b"))),
                recipe("south", new ShopTrigger("shop-c", Set.of("shop-c")))));

        engine.publish(order("o1", "shop-a"));
        engine.publish(order("o2", "shop-b"));
        engine.publish(order("o3", "shop-c"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        // shop-b is in north's key but its matches() says no: the key narrows, never widens.
        assertThat(ran).containsExactlyInAnyOrder("north", "south");
        assertThat(asked).hasValue(3);
    }

    @Test
    void anEventWithoutTheFieldOrWithANonStringValueReachesOnlyUnkeyedRecipes()
            throws Exception {
        start(List.of(recipe("keyed", new ShopTrigger("42", Set.of("42"))),
                recipe("any", Trigger.of(TYPE))));

        engine.publish(Event.builder(TYPE).id("no-shop").data(JSON.createObjectNode()).build());
        engine.publish(Event.builder(TYPE).id("number-shop")
                .data(JSON.createObjectNode().put("shop", 42)).build());
        engine.publish(Event.builder(TYPE).id("null-data").build());
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(ran).containsExactly("any", "any", "any");
        assertThat(asked).hasValue(0);
    }

    @Test
    void recipesOfOneEventRunInTheOrderTheyWereGivenWhicheverWayTheyAreFound()
            throws Exception {
        start(List.of(recipe("first-any", Trigger.of(TYPE)),
                recipe("second-by-shop", new ShopTrigger("s1", Set.of("s1"))),
                recipe("third-by-source", keyed(Trigger.IndexKey.source(URI.create("/shop")))),
                recipe("fourth-any", Trigger.of(TYPE)),
                recipe("fifth-by-subject", keyed(Trigger.IndexKey.subject("gift")))));

        engine.publish(Event.builder(TYPE).id("e1").source("/shop").subject("gift")
                .data(JSON.createObjectNode().put("shop", "s1")).build());
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(matched).containsExactly("first-any@e1", "second-by-shop@e1",
                "third-by-source@e1", "fourth-any@e1", "fifth-by-subject@e1");
    }

    @Test
    void sourceAndSubjectKeysSelectByTheEventsAttributes() throws Exception {
        start(List.of(recipe("from-a", keyed(Trigger.IndexKey.source(URI.create("/a")))),
                recipe("about-x", keyed(Trigger.IndexKey.subject("x")))));

        engine.publish(Event.builder(TYPE).id("1").source("/a").build());
        engine.publish(Event.builder(TYPE).id("2").source("/b").subject("x").build());
        engine.publish(Event.builder(TYPE).id("3").source("/b").build());
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(ran).containsExactlyInAnyOrder("from-a", "about-x");
    }

    @Test
    void threadsDoNotGrowWithRecipes() throws Exception {
        long before = recipeThreads();
        List<Recipe> recipes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            recipes.add(recipe("shop-" + i, new ShopTrigger(shop(i), Set.of(shop(i)))));
        }
        start(recipes);
        for (int i = 0; i < 200; i++) {
            engine.publish(order("order-" + i, shop(i * 10)));
        }
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(ran).hasSize(200);
        // Two dispatchers for the one topic, the scheduler, and action threads up to the
        // pool's size while the orders ran: nothing per recipe.
        assertThat(recipeThreads() - before).isLessThanOrEqualTo(3 + 64);
    }

    @Test
    void aTriggerThatFailsToTellItsKeyStopsTheBuildNamingTheRecipe() {
        Trigger broken = new Trigger() {
            @Override
            public String eventType() {
                return TYPE;
            }

            @Override
            public Optional<IndexKey> indexKey() {
                throw new IllegalStateException("no key today");
            }
        };

        assertThatThrownBy(() -> RecipeEngine.builder().discoverServices(false)
                .service(new CountingService()).recipe(recipe("broken", broken)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recipe 'broken'")
                .hasMessageContaining("no key today");
    }

    @Test
    void indexKeysRefuseWhatCannotBeLookedUp() {
        assertThatThrownBy(() -> Trigger.IndexKey.dataAt("event/channel", "C1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither a JSON Pointer");
        assertThatThrownBy(() -> Trigger.IndexKey.dataAt("/event/channel"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no values");
        assertThatThrownBy(() -> new Trigger.IndexKey("/a", Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Trigger.IndexKey.dataAt("/a", (String) null))
                .isInstanceOf(NullPointerException.class);
        assertThat(Trigger.IndexKey.dataAt("/event/channel", "C1")
                .valueIn(Event.builder(TYPE).data(JSON.createObjectNode()
                        .set("event", JSON.createObjectNode().put("channel", "C1"))).build()))
                .contains("C1");
        assertThat(Trigger.IndexKey.subject("x").valueIn(Event.builder(TYPE).build())).isEmpty();
    }

    private static String shop(int i) {
        return String.format(Locale.ROOT, "shop-%05d", i);
    }

    private static long recipeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("recipes-"))
                .count();
    }

    private Trigger keyed(Trigger.IndexKey key) {
        return new Trigger() {
            @Override
            public String eventType() {
                return TYPE;
            }

            @Override
            public Optional<IndexKey> indexKey() {
                return Optional.of(key);
            }
        };
    }

    /** Orders whose shop is one of the key's values, matching only one shop; counts asks. */
    private final class ShopTrigger implements Trigger {
        private final String shop;
        private final Set<String> keyValues;

        ShopTrigger(String shop, Set<String> keyValues) {
            this.shop = shop;
            this.keyValues = keyValues;
        }

        @Override
        public String eventType() {
            return TYPE;
        }

        @Override
        public boolean matches(Event event) {
            asked.incrementAndGet();
            return shop.equals(event.data().path("shop").asText());
        }

        @Override
        public Optional<IndexKey> indexKey() {
            return Optional.of(new IndexKey("/shop", keyValues));
        }
    }

    /** Records which recipe each action ran for. */
    private final class CountingService implements Service {

        @Override
        public String id() {
            return "count";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "run";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    ran.add(invocation.requireText("recipe"));
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
