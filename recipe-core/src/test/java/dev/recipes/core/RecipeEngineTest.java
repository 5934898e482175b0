package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class RecipeEngineTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RecordingService notes = new RecordingService();
    private RecipeEngine engine;

    @AfterEach
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    private RecipeEngine start(Recipe... recipes) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(notes);
        for (Recipe recipe : recipes) {
            builder.recipe(recipe);
        }
        engine = builder.build();
        engine.start();
        return engine;
    }

    private static Recipe noteText(String id) {
        return Recipe.named(id).when(Trigger.of("demo.said"))
                .then(ActionStep.of("notes", "write").pointer("text", "/text").build())
                .build();
    }

    private static Event said(String id, String text) {
        ObjectNode data = JSON.createObjectNode().put("text", text);
        return Event.builder("demo.said").id(id).data(data).build();
    }

    private static WebhookRequest post(String path, String body) {
        return WebhookRequest.post(path, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void matchedRecipeRunsItsActionWithRenderedParameters() throws Exception {
        start(noteText("copy"));

        engine.publish(said("e1", "hello"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("hello");
    }

    @Test
    void filterAndSelectorsDecideWhetherARecipeRuns() throws Exception {
        Trigger onlyLoud = new Trigger() {
            @Override
            public String eventType() {
                return "demo.said";
            }

            @Override
            public boolean matches(Event event) {
                return event.data().path("text").asText().endsWith("!");
            }
        };
        start(Recipe.named("loud").when(onlyLoud)
                .filter(event -> !event.data().path("text").asText().startsWith("no"))
                .then(ActionStep.of("notes", "write").pointer("text", "/text").build())
                .build());

        engine.publish(said("e1", "quiet"));
        engine.publish(said("e2", "no!"));
        engine.publish(said("e3", "yes!"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("yes!");
    }

    @Test
    void missingFieldFailsThatRecipeWithAClearErrorAndOthersStillRun() throws Exception {
        Recipe needsUser = Recipe.named("needs-user").when(Trigger.of("demo.said"))
                .then(ActionStep.of("notes", "write").pointer("text", "/user").build())
                .build();
        List<Event> failures = new CopyOnWriteArrayList<>();
        start(needsUser, noteText("copy"));
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", failures::add);

        engine.publish(said("e1", "hello"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("hello");
        assertThat(failures).singleElement().satisfies(failure -> {
            assertThat(failure.data().get("recipe").asText()).isEqualTo("needs-user");
            assertThat(failure.data().get("field").asText()).isEqualTo("/user");
            assertThat(failure.data().get("error").asText())
                    .startsWith("recipe 'needs-user': field '/user' is missing");
        });
    }

    @Test
    void throwingFilterFailsOnlyThatRecipe() throws Exception {
        Recipe broken = Recipe.named("broken").when(Trigger.of("demo.said"))
                .filter(event -> {
                    throw new IllegalStateException("filter bug");
                })
                .then(ActionStep.of("notes", "write").pointer("text", "/text").build())
                .build();
        List<Event> failures = new CopyOnWriteArrayList<>();
        start(broken, noteText("copy"));
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", failures::add);

        engine.publish(said("e1", "hello"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("hello");
        assertThat(failures).singleElement().satisfies(failure ->
                assertThat(failure.data().get("error").asText()).contains("filter bug"));
    }

    @Test
    void filterThrowingAnErrorFailsThatEventOnlyAndLaterEventsRun() throws Exception {
        Recipe picky = Recipe.named("picky").when(Trigger.of("demo.said"))
                .filter(event -> {
                    if (event.id().startsWith("bad")) {
                        throw new AssertionError("picky filter");
                    }
                    return true;
                })
                .then(ActionStep.of("notes", "write").pointer("text", "/text").build())
                .build();
        List<Event> failures = new CopyOnWriteArrayList<>();
        start(picky);
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", failures::add);

        for (int i = 0; i < 5; i++) {
            engine.publish(said("bad" + i, "x"));
        }
        engine.publish(said("good", "after"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("after");
        assertThat(failures).hasSize(5);
    }

    @Test
    void actionThrowingAnErrorIsReportedAndTheRunnerCarriesOn() throws Exception {
        List<Event> failed = new CopyOnWriteArrayList<>();
        start(noteText("copy"));
        engine.bus().subscribe("result.notes.write.failed", "test", failed::add);

        for (int i = 0; i < 6; i++) {
            engine.publish(said("e" + i, "error please"));
        }
        engine.publish(said("ok", "fine"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(failed).hasSize(6);
        assertThat(failed.get(0).data().at("/error/message").asText())
                .contains("java.lang.StackOverflowError");
        assertThat(notes.written).containsExactly("fine");
    }

    @Test
    void eventsWithTheSameIdFromDifferentSourcesBothRun() throws Exception {
        start(noteText("copy"));

        engine.publish(Event.builder("demo.said").id("42").source("/shop/eu")
                .data(JSON.createObjectNode().put("text", "eu")).build());
        engine.publish(Event.builder("demo.said").id("42").source("/shop/us")
                .data(JSON.createObjectNode().put("text", "us")).build());

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactlyInAnyOrder("eu", "us");
    }

    @Test
    void eventsWhoseSourceAndIdShareSeparatorsDoNotShareAKey() throws Exception {
        start(noteText("copy"));

        engine.publish(Event.builder("demo.said").id("x").source("/s#1")
                .data(JSON.createObjectNode().put("text", "first")).build());
        engine.publish(Event.builder("demo.said").id("1#x").source("/s")
                .data(JSON.createObjectNode().put("text", "second")).build());

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactlyInAnyOrder("first", "second");
    }

    @Test
    void aRecipeFollowingFailuresThatFailsItselfStopsAtTheChainLimit() throws Exception {
        Trigger failures = new Trigger() {
            @Override
            public String eventType() {
                return RecipeEngine.RECIPE_FAILED_TOPIC;
            }

            @Override
            public String topic() {
                return RecipeEngine.RECIPE_FAILED_TOPIC;
            }
        };
        Recipe looping = Recipe.named("looping").when(failures)
                .then(ActionStep.of("notes", "write").pointer("text", "/missing").build())
                .build();
        List<Event> seen = new CopyOnWriteArrayList<>();
        engine = RecipeEngine.builder().discoverServices(false).service(notes)
                .maxChainDepth(3).recipe(noteText("copy")).recipe(looping).build();
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", seen::add);
        engine.start();

        engine.publish(Event.builder("demo.said").id("e1").build());

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(seen).extracting(event -> event.data().get("chainDepth").asInt())
                .containsExactly(1, 2, 3, 4);
    }

    @Test
    void publishingBeforeStartIsRefusedRatherThanLost() {
        engine = RecipeEngine.builder().discoverServices(false).service(notes)
                .recipe(noteText("copy")).build();

        assertThatThrownBy(() -> engine.publish(said("early", "x")))
                .isInstanceOf(EventRejectedException.class)
                .hasMessageContaining("not started");
    }

    @Test
    void handlerThrowingAnErrorGets500() {
        start();

        WebhookResponse response = engine.webhooks().handle(post("/hooks/notes", "overflow"));

        assertThat(response.status()).isEqualTo(500);
    }

    @Test
    void longUnknownPathsAreNotEchoedWhole() {
        start();
        String path = "/hooks/" + "x".repeat(10_000);

        WebhookResponse response = engine.webhooks().handle(post(path, ""));

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText().length()).isLessThan(200);
    }

    @Test
    void resultEventsReportSuccessAndClassifiedFailure() throws Exception {
        List<Event> results = new CopyOnWriteArrayList<>();
        start(noteText("copy"));
        engine.bus().subscribe("result.notes.write.succeeded", "test", results::add);
        engine.bus().subscribe("result.notes.write.failed", "test", results::add);

        engine.publish(said("e1", "fine"));
        engine.publish(said("e2", "reject me"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(results).extracting(Event::type).containsExactlyInAnyOrder(
                "result.notes.write.succeeded", "result.notes.write.failed");
        Event failed = results.stream().filter(e -> e.type().endsWith("failed")).findFirst()
                .orElseThrow();
        assertThat(failed.data().at("/error/reason").asText()).isEqualTo("PERMANENT_FAILURE");
        assertThat(failed.data().get("idempotencyKey").asText()).isEqualTo("/recipes#e2:copy:0");
    }

    @Test
    void sameTriggerEventTwiceRunsTheActionOnce() throws Exception {
        start(noteText("copy"));

        engine.publish(said("e1", "once"));
        engine.publish(said("e1", "once"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(notes.written).containsExactly("once");
    }

    @Test
    void routesWebhooksToTheirService() {
        start();

        WebhookResponse response = engine.webhooks().handle(post("/hooks/notes", "hi"));

        assertThat(response.status()).isEqualTo(202);
        assertThat(notes.hooks).containsExactly("hi");
    }

    @Test
    void answersUnknownServiceWith404AndOtherMethodsWith405() {
        start();

        WebhookResponse unknown = engine.webhooks().handle(post("/hooks/nope", ""));
        WebhookResponse outside = engine.webhooks().handle(post("/elsewhere", ""));
        WebhookResponse get = engine.webhooks().handle(
                new WebhookRequest("GET", "/hooks/notes", "", Map.of(), null));

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.bodyText()).contains("'nope'");
        assertThat(outside.status()).isEqualTo(404);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.headers()).containsEntry("Allow", "POST");
    }

    @Test
    void answers503WithRetryAfterWhenNotRunningOrWhenTheBusIsFull() {
        engine = RecipeEngine.builder().discoverServices(false).service(notes).build();

        WebhookResponse beforeStart = engine.webhooks().handle(post("/hooks/notes", "x"));
        engine.start();
        WebhookResponse full = engine.webhooks().handle(post("/hooks/notes", "reject"));
        engine.close();
        WebhookResponse afterClose = engine.webhooks().handle(post("/hooks/notes", "x"));

        assertThat(List.of(beforeStart, full, afterClose)).allSatisfy(response -> {
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.headers()).containsKey("Retry-After");
        });
    }

    @Test
    void handlerThatThrowsGets500AndTheEngineCarriesOn() {
        start();

        WebhookResponse response = engine.webhooks().handle(post("/hooks/notes", "crash"));
        WebhookResponse next = engine.webhooks().handle(post("/hooks/notes", "fine"));

        assertThat(response.status()).isEqualTo(500);
        assertThat(next.status()).isEqualTo(202);
    }

    @Test
    void refusesRecipesThatNameMissingServicesOrActions() {
        RecipeEngine.Builder noService = RecipeEngine.builder().discoverServices(false)
                .recipe(noteText("copy"));
        RecipeEngine.Builder noAction = RecipeEngine.builder().discoverServices(false)
                .service(notes)
                .recipe(Recipe.named("odd").when(Trigger.of("x"))
                        .then(ActionStep.of("notes", "erase").build()).build());

        assertThatThrownBy(noService::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recipe 'copy': service 'notes' is not registered")
                .hasMessageContaining("META-INF/services/dev.recipes.core.spi.Service");
        assertThatThrownBy(noAction::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no action 'erase'").hasMessageContaining("[write]");
    }

    @Test
    void refusesDuplicateRecipesServicesAndConfig() {
        RecipeEngine.Builder builder = RecipeEngine.builder().recipe(noteText("copy"))
                .service(notes).config("notes.mood", "calm");

        assertThatThrownBy(() -> builder.recipe(noteText("copy")))
                .hasMessageContaining("recipe 'copy'");
        assertThatThrownBy(() -> builder.service(new RecordingService()))
                .hasMessageContaining("service 'notes'");
        assertThatThrownBy(() -> builder.config("notes.mood", "wild"))
                .hasMessageContaining("'notes.mood'");
    }

    @Test
    void findsServicesWithServiceLoaderAndGivesThemTheirConfig() {
        engine = RecipeEngine.builder().config("discovered.greeting", "hej").build();
        engine.start();

        WebhookResponse response = engine.webhooks().handle(post("/hooks/discovered", ""));

        assertThat(engine.services()).contains("discovered");
        assertThat(response.bodyText()).isEqualTo("hej");
    }

    @Test
    void refusesConfigForNoServiceOrForAKeyItsServiceDoesNotRead() {
        Service strict = new Service() {
            @Override
            public String id() {
                return "strict";
            }

            @Override
            public java.util.Set<String> configKeys() {
                return java.util.Set.of("api-url", "timeout");
            }
        };
        RecipeEngine.Builder typo = RecipeEngine.builder().discoverServices(false)
                .service(strict).config("strict.api_url", "http://127.0.0.1:1");
        RecipeEngine.Builder nobody = RecipeEngine.builder().discoverServices(false)
                .service(strict).config("stirct.api-url", "http://127.0.0.1:1");

        assertThatThrownBy(typo::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'strict.api_url'")
                .hasMessageContaining("[api-url, timeout]");
        assertThatThrownBy(nobody::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'stirct.api-url'").hasMessageContaining("[strict]");
    }

    @Test
    void refusesAnIncompleteStepWhenBuilt() {
        ActionStep incomplete = new ActionStep() {
            @Override
            public String service() {
                return "notes";
            }

            @Override
            public String action() {
                return "write";
            }

            @Override
            public void validate() {
                throw new IllegalStateException("write step: no text");
            }

            @Override
            public ObjectNode render(Event event) {
                return JSON.createObjectNode();
            }
        };
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(notes).recipe(Recipe.named("half").when(Trigger.of("demo.said"))
                        .then(incomplete).build());

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessage("recipe 'half': write step: no text");
    }

    @Test
    void startingTwiceIsAnError() {
        start();

        assertThatThrownBy(engine::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running");
    }

    @Test
    void serviceThatFailsToStartStopsTheEngineAndClosesWhatHadStarted() {
        List<String> closed = new CopyOnWriteArrayList<>();
        Service first = new Service() {
            @Override
            public String id() {
                return "first";
            }

            @Override
            public void close() {
                closed.add("first");
            }
        };
        Service broken = new Service() {
            @Override
            public String id() {
                return "broken";
            }

            @Override
            public void start(ServiceContext context) {
                throw new RecipeException("service 'broken': setting 'url' is missing");
            }

            @Override
            public void close() {
                closed.add("broken");
            }
        };
        engine = RecipeEngine.builder().discoverServices(false).service(notes).service(first)
                .service(broken).build();

        assertThatThrownBy(engine::start).isInstanceOf(RecipeException.class)
                .hasMessage("service 'broken': setting 'url' is missing");

        assertThat(closed).containsExactly("first");
        assertThat(engine.webhooks().handle(post("/hooks/notes", "")).status()).isEqualTo(503);
        assertThatThrownBy(engine::start).hasMessageContaining("already closed");
    }

    @Test
    void servicesGetTheEnginesLeaseStoreAndAnInstanceIdOfTheirOwnEngine() {
        LeaseStore shared = LeaseStore.inMemory(java.time.Clock.systemUTC());
        List<ServiceContext> contexts = new CopyOnWriteArrayList<>();
        List<RecipeEngine> engines = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                RecipeEngine started = RecipeEngine.builder().discoverServices(false)
                        .service(new Service() {
                            @Override
                            public String id() {
                                return "poller";
                            }

                            @Override
                            public void start(ServiceContext context) {
                                contexts.add(context);
                            }
                        })
                        .leases(shared).build();
                engines.add(started);
                started.start();
            }

            assertThat(contexts).hasSize(2).allSatisfy(context ->
                    assertThat(context.leases()).isSameAs(shared));
            String first = contexts.get(0).instanceId();
            String second = contexts.get(1).instanceId();
            assertThat(first).isNotBlank().isNotEqualTo(second);
            assertThat(shared.acquire("poll:inbox", first, Duration.ofMinutes(1))).isTrue();
            assertThat(shared.acquire("poll:inbox", second, Duration.ofMinutes(1))).isFalse();
        } finally {
            engines.forEach(RecipeEngine::close);
        }
    }

    @Test
    void closingAnEngineThatNeverStartedClosesNoService() {
        engine = RecipeEngine.builder().discoverServices(false).service(notes).build();

        engine.close();

        assertThatThrownBy(() -> engine.publish(said("e1", "late")))
                .isInstanceOf(EventRejectedException.class);
    }

    @Test
    void refusesAServiceWithABadId() {
        Service shouting = new Service() {
            @Override
            public String id() {
                return "Shouting Service";
            }
        };

        assertThatThrownBy(() -> RecipeEngine.builder().discoverServices(false)
                .service(shouting).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'Shouting Service'");
    }

    @Test
    void aSecondRecipeWithTheSameIdIsRefusedNamingTheFirst() {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(notes).recipe(noteText("copy")).recipe(noteText("other"));

        assertThatThrownBy(() -> builder.recipe(noteText("copy")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("recipe 'copy': already added as ");
    }

    @Test
    void closeFinishesQueuedWork() {
        start(noteText("copy"));
        for (int i = 0; i < 50; i++) {
            engine.publish(said("e" + i, "n" + i));
        }

        engine.close();

        assertThat(notes.written).hasSize(50);
    }

    /** A service that writes notes and takes webhooks, recording what it was given. */
    static final class RecordingService implements Service {

        final List<String> written = new CopyOnWriteArrayList<>();
        final List<String> hooks = new CopyOnWriteArrayList<>();

        @Override
        public String id() {
            return "notes";
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(request -> {
                String body = new String(request.body(), StandardCharsets.UTF_8);
                if (body.equals("reject")) {
                    throw new EventRejectedException("bus: full", Duration.ofSeconds(3));
                }
                if (body.equals("crash")) {
                    throw new IllegalStateException("handler bug");
                }
                if (body.equals("overflow")) {
                    throw new StackOverflowError();
                }
                hooks.add(body);
                return WebhookResponse.status(202);
            });
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "write";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    String text = invocation.requireText("text");
                    if (text.startsWith("reject")) {
                        throw ActionException.permanent("notes: rejected", null);
                    }
                    if (text.startsWith("error")) {
                        throw new StackOverflowError();
                    }
                    written.add(text);
                    return JSON.createObjectNode().put("written", text);
                }
            });
        }
    }

    /** Found through META-INF/services in the test resources. */
    public static final class DiscoveredService implements Service {

        private volatile String greeting = "";

        @Override
        public String id() {
            return "discovered";
        }

        @Override
        public void start(ServiceContext context) {
            greeting = context.config("greeting").orElse("none");
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(request -> WebhookResponse.text(200, greeting));
        }
    }
}
