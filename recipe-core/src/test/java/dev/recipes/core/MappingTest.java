package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class MappingTest {

    private final ObjectMapper json = new ObjectMapper();

    private Event event() {
        ObjectNode data = json.createObjectNode();
        data.putObject("event").put("text", "order #42").putNull("thread_ts");
        return Event.builder("slack.message").id("Ev42").data(data)
                .time(Instant.parse("2026-12-04T10:00:00Z")).build();
    }

    @Test
    void pointerReadsAFieldOfTheData() {
        assertThat(Mapping.pointer("/event/text").apply(event()).asText()).isEqualTo("order #42");
    }

    @Test
    void pointerToAPresentNullRendersNull() {
        assertThat(Mapping.pointer("/event/thread_ts").apply(event()).isNull()).isTrue();
    }

    @Test
    void pointerToAMissingFieldNamesTheFieldAndTheEvent() {
        assertThatThrownBy(() -> Mapping.pointer("/event/user").apply(event()))
                .isInstanceOfSatisfying(MappingException.class,
                        e -> assertThat(e.field()).isEqualTo("/event/user"))
                .hasMessageContaining("'/event/user' is missing")
                .hasMessageContaining("'Ev42'");
    }

    @Test
    void rejectsSomethingThatIsNotAPointer() {
        assertThatThrownBy(() -> Mapping.pointer("event/text"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'event/text'");
    }

    @Test
    void lambdaValuesBecomeJson() {
        Event event = event();

        assertThat(Mapping.of(Event::time).apply(event).asText())
                .isEqualTo("2026-12-04T10:00:00Z");
        assertThat(Mapping.of(e -> 42).apply(event).asLong()).isEqualTo(42);
        assertThat(Mapping.of(e -> true).apply(event).asBoolean()).isTrue();
        assertThat(Mapping.of(e -> new BigDecimal("0.1")).apply(event).decimalValue())
                .isEqualTo(new BigDecimal("0.1"));
        assertThat(Mapping.of(e -> null).apply(event).isNull()).isTrue();
    }

    @Test
    void lambdaValueOfAnUnknownTypeIsRefusedWithItsType() {
        assertThatThrownBy(() -> Mapping.of(e -> List.of(1)).apply(event()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util");
    }

    @Test
    void constantIsTheSameForEveryEvent() {
        assertThat(Mapping.constant("Log").apply(event()).asText()).isEqualTo("Log");
    }
}
