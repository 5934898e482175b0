package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class RecipeTest {

    private final ActionStep step = ActionStep.of("chat", "post").pointer("text", "/text").build();

    @Test
    void buildsWithTriggerFilterAndSteps() {
        Recipe recipe = Recipe.named("log").when(Trigger.of("demo.thing"))
                .filter(event -> true).then(step).then(step).build();

        assertThat(recipe.id()).isEqualTo("log");
        assertThat(recipe.trigger().topic()).isEqualTo("trigger.demo.thing");
        assertThat(recipe.steps()).hasSize(2);
    }

    @Test
    void needsATriggerAndAnAction() {
        assertThatThrownBy(() -> Recipe.named("r").then(step).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no trigger");
        assertThatThrownBy(() -> Recipe.named("r").when(Trigger.of("t")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no action");
    }

    @Test
    void refusesATriggerSetTwiceNamingTheFirst() {
        Recipe.Builder builder = Recipe.named("r").when(Trigger.of("first.type"));

        assertThatThrownBy(() -> builder.when(Trigger.of("second.type")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("first.type");
    }

    @Test
    void refusesAFilterSetTwice() {
        Recipe.Builder builder = Recipe.named("r").filter(event -> true);

        assertThatThrownBy(() -> builder.filter(event -> false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already set");
    }

    @Test
    void refusesABadId() {
        assertThatThrownBy(() -> Recipe.named("has space"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'has space'");
    }

    @Test
    void stepRefusesAParameterMappedTwice() {
        ActionStep.Builder builder = ActionStep.of("chat", "post").constant("text", "a");

        assertThatThrownBy(() -> builder.constant("text", "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'text'");
    }

    @Test
    void stepRendersParametersInOrderAndNamesItsConnection() {
        ActionStep built = ActionStep.of("chat", "post").as("team-b")
                .constant("channel", "C1").pointer("text", "/text").build();
        Event event = Event.builder("t").data(new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("text", "hi")).build();

        assertThat(built.connection()).isEqualTo("team-b");
        assertThat(built.render(event).toString())
                .isEqualTo("{\"channel\":\"C1\",\"text\":\"hi\"}");
    }

    @Test
    void secretsStayOutOfConnectionToString() {
        Connection connection = Connection.builder("slack", "default")
                .setting("team", "T1").secret("token", "xoxb-very-secret").build();

        assertThat(connection.toString()).contains("token").contains("T1")
                .doesNotContain("xoxb-very-secret");
        assertThat(Secret.of("s3cr3t").toString()).doesNotContain("s3cr3t");
    }
}
