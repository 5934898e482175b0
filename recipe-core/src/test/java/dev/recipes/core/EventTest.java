package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class EventTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void roundTripsThroughCloudEventsJson() throws Exception {
        ObjectNode data = json.createObjectNode()
                .put("text", "héllo").put("ts", "1700000100.000200");
        Event event = Event.builder("slack.message").id("Ev1").source("/slack/T1")
                .subject("C1").time(Instant.parse("2026-01-02T03:04:05Z")).data(data).build();

        JsonNode written = event.toJson();
        Event read = Event.fromJson(json.readTree(json.writeValueAsString(written)));

        assertThat(written.get("specversion").asText()).isEqualTo("1.0");
        assertThat(written.get("datacontenttype").asText()).isEqualTo("application/json");
        assertThat(read).isEqualTo(event);
        assertThat(read.data().get("ts").isTextual()).isTrue();
    }

    @Test
    void copiesDataSoLaterChangesToTheSourceDoNotLeakIn() {
        ObjectNode data = json.createObjectNode().put("text", "before");
        Event event = Event.builder("t").data(data).build();

        data.put("text", "after");

        assertThat(event.data().get("text").asText()).isEqualTo("before");
    }

    @Test
    void dataHandedOverIsTakenAsItIsAndTheNextEventCopiesAgain() {
        ObjectNode data = json.createObjectNode().put("text", "parsed");

        Event handedOver = Event.withOwnData("e1", URI.create("/s"), "t", null, null, null, data);
        Event copied = new Event("e2", URI.create("/s"), "t", null, null, null, data);

        assertThat(handedOver.data()).isSameAs(data);
        assertThat(copied.data()).isNotSameAs(data).isEqualTo(data);
    }

    @Test
    void handingOverDataChecksTheAttributesAsTheConstructorDoes() {
        assertThatThrownBy(() -> Event.withOwnData("e1", URI.create("/s"), " ", null, null, null,
                json.createObjectNode())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("type");

        ObjectNode data = json.createObjectNode();
        Event afterRefusal = new Event("e2", URI.create("/s"), "t", null, null, null, data);
        assertThat(afterRefusal.data()).isNotSameAs(data);
    }

    @Test
    void rejectsMissingRequiredAttributes() {
        assertThatThrownBy(() -> new Event(" ", URI.create("/s"), "t", null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> new Event("1", URI.create("/s"), "", null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> new Event("1", null, "t", null, null, null, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("source");
    }

    @Test
    void rejectsJsonOfAnotherSpecVersion() {
        ObjectNode written = Event.builder("t").build().toJson().put("specversion", "0.3");

        assertThatThrownBy(() -> Event.fromJson(written))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0.3'");
    }

    @Test
    void rejectsJsonWithABadTime() {
        ObjectNode written = Event.builder("t").build().toJson().put("time", "yesterday");

        assertThatThrownBy(() -> Event.fromJson(written))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("time");
    }

    @Test
    void missingDataIsJsonNull() {
        Event event = Event.builder("t").build();

        assertThat(event.data().isNull()).isTrue();
        assertThat(event.subjectIfPresent()).isEmpty();
    }
}
