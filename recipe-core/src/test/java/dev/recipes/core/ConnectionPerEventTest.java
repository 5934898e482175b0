package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step that picks its connection from each event: one recipe acting for many accounts, each
 * event as the account it came from.
 */
final class ConnectionPerEventTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Accounts accounts = new Accounts();
    private final List<Event> failures = new CopyOnWriteArrayList<>();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @BeforeEach
    void start() {
        Recipe perTenant = Recipe.named("per-tenant").when(Trigger.of("demo.signal"))
                .then(ActionStep.of("accounts", "whoami").pointer("text", "/text")
                        .as(Mapping.pointer("/tenant")).build())
                .build();
        engine = RecipeEngine.builder().discoverServices(false).service(accounts)
                .recipe(perTenant)
                .listener(new EngineListener() {
                    @Override
                    public void deadLettered(DeadLetter deadLetter) {
                        deadLetters.add(deadLetter);
                    }
                })
                .build();
        engine.connections().put(Connection.builder("accounts", "acme")
                .setting("name", "Acme").build());
        engine.connections().put(Connection.builder("accounts", "globex")
                .setting("name", "Globex").build());
        engine.start();
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", failures::add);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private void signal(String id, Object tenant) {
        var data = JSON.createObjectNode().put("text", id);
        if (tenant != null) {
            data.set("tenant", JSON.valueToTree(tenant));
        }
        engine.publish(Event.builder("demo.signal").id(id).data(data).build());
    }

    @Test
    void eachEventRunsAsTheConnectionItNames() throws Exception {
        signal("e1", "acme");
        signal("e2", "globex");
        signal("e3", "acme");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(accounts.ran).containsExactlyInAnyOrder("e1 as Acme", "e2 as Globex",
                "e3 as Acme");
        assertThat(failures).isEmpty();
    }

    @Test
    void aConnectionThatIsNotStoredFailsThatEventOnly() throws Exception {
        signal("e1", "initech");
        signal("e2", "acme");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(accounts.ran).containsExactly("e2 as Acme");
        assertThat(deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.connection()).isEqualTo("initech");
            assertThat(letter.lastError()).contains("connection 'initech' is not in the"
                    + " connection store");
        });
    }

    @Test
    void aValueThatIsNotAConnectionIdFailsTheRecipeClearly() throws Exception {
        signal("e1", "Acme Corp");
        signal("e2", 42);
        signal("e3", null);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(accounts.ran).isEmpty();
        assertThat(failures).hasSize(3);
        assertThat(failures).extracting(failure -> failure.data().get("error").asText())
                .anySatisfy(error -> assertThat(error).contains("the connection picked from"
                        + " event 'e1' is not a connection id"))
                .anySatisfy(error -> assertThat(error).contains("gave NUMBER, not a"
                        + " connection id"))
                .anySatisfy(error -> assertThat(error).contains("field '/tenant' is missing"));
        assertThat(deadLetters).isEmpty();
    }

    @Test
    void theStepSaysWhereItsConnectionComesFrom() {
        ActionStep step = ActionStep.of("accounts", "whoami").as(Mapping.pointer("/tenant"))
                .build();
        ActionStep named = ActionStep.of("accounts", "whoami").as(Mapping.pointer("/tenant"))
                .as("acme").build();

        assertThat(step.connectionFromEvent()).isTrue();
        assertThat(step.toString()).isEqualTo("ActionStep[accounts/whoami as"
                + " Mapping[/tenant]]");
        assertThat(named.connectionFromEvent()).isFalse();
        assertThat(named.connection(Event.builder("demo.signal").id("x").build()))
                .isEqualTo("acme");
    }

    /** A service whose one action says which account it ran as. */
    private static final class Accounts implements Service {

        final List<String> ran = new CopyOnWriteArrayList<>();

        @Override
        public String id() {
            return "accounts";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "whoami";
                }

                @Override
                public boolean needsConnection() {
                    return true;
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    String name = invocation.requireConnection().setting("name").orElseThrow();
                    ran.add(invocation.requireText("text") + " as " + name);
                    return JSON.createObjectNode().put("as", name);
                }
            });
        }
    }
}
