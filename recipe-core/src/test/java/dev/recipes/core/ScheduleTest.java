package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ScheduleTest {

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void ticksAreMultiplesOfTheIntervalSinceTheEpochPlusTheOffset() {
        Schedule hourly = Schedule.every("report", HOUR);
        Schedule quarterPast = hourly.offset(Duration.ofMinutes(15));
        Instant now = Instant.parse("2026-05-01T10:14:59.999Z");

        assertThat(hourly.tickAtOrBefore(now)).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(hourly.tickAtOrBefore(Instant.parse("2026-05-01T10:00:00Z")))
                .isEqualTo("2026-05-01T10:00:00Z");
        assertThat(quarterPast.tickAtOrBefore(now)).isEqualTo("2026-05-01T09:15:00Z");
        assertThat(quarterPast.tickAtOrBefore(Instant.parse("2026-05-01T10:15:00Z")))
                .isEqualTo("2026-05-01T10:15:00Z");
    }

    @Test
    void ticksBeforeTheEpochRoundDown() {
        Schedule hourly = Schedule.every("report", HOUR);

        assertThat(hourly.tickAtOrBefore(Instant.parse("1969-12-31T23:30:00Z")))
                .isEqualTo("1969-12-31T23:00:00Z");
        assertThat(hourly.tickAtOrBefore(Instant.parse("1969-12-31T23:00:00Z")))
                .isEqualTo("1969-12-31T23:00:00Z");
    }

    @Test
    void eventOfATickHasADeterministicIdTypeSourceAndData() {
        Schedule hourly = Schedule.every("hourly-report", HOUR);
        Instant tick = Instant.parse("2026-05-01T10:00:00Z");

        Event event = hourly.event(tick);

        assertThat(event).isEqualTo(hourly.event(tick));
        assertThat(event.id()).isEqualTo("hourly-report@2026-05-01T10:00:00Z");
        assertThat(event.type()).isEqualTo("schedule.hourly-report").isEqualTo(hourly.eventType());
        assertThat(event.source()).isEqualTo(URI.create("/schedule/hourly-report"));
        assertThat(event.time()).isEqualTo(tick);
        assertThat(event.data().get("schedule").asText()).isEqualTo("hourly-report");
        assertThat(event.data().get("scheduledAt").asText()).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(hourly.topic()).isEqualTo("trigger.schedule.hourly-report");
    }

    @Test
    void eventOfAnInstantThatIsNoTickIsRejected() {
        Schedule hourly = Schedule.every("report", HOUR);

        assertThatThrownBy(() -> hourly.event(Instant.parse("2026-05-01T10:00:01Z")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule 'report': 2026-05-01T10:00:01Z is not a tick; ticks are "
                        + "every PT1H from the epoch plus PT0S");
    }

    @Test
    void settingsAreKeptAndShownAsTheJavaThatBuildsThem() {
        Schedule schedule = Schedule.every("Daily_9.am", Duration.ofDays(1))
                .offset(Duration.ofHours(9)).lease(Duration.ofMinutes(1));

        assertThat(schedule.name()).isEqualTo("Daily_9.am");
        assertThat(schedule.interval()).isEqualTo(Duration.ofDays(1));
        assertThat(schedule.offset()).isEqualTo(Duration.ofHours(9));
        assertThat(schedule.lease()).isEqualTo(Duration.ofMinutes(1));
        assertThat(schedule).hasToString(
                "Schedule.every(\"Daily_9.am\", PT24H).offset(PT9H).lease(PT1M)");
        assertThat(Schedule.every("x", HOUR).lease()).isEqualTo(Schedule.DEFAULT_LEASE);
    }

    @Test
    void schedulesWithTheSameSettingsAreEqual() {
        Schedule hourly = Schedule.every("report", HOUR);

        assertThat(hourly).isEqualTo(Schedule.every("report", Duration.ofMinutes(60)))
                .hasSameHashCodeAs(Schedule.every("report", Duration.ofMinutes(60)))
                .isEqualTo(hourly.lease(Schedule.DEFAULT_LEASE))
                .isNotEqualTo(hourly.offset(Duration.ofMinutes(1)))
                .isNotEqualTo(Schedule.every("report", Duration.ofHours(2)));
    }

    @Test
    void recipeTakesAScheduleAsItsTrigger() {
        Schedule hourly = Schedule.every("report", HOUR);

        Recipe recipe = Recipe.named("post-report").when(hourly)
                .then(ActionStep.of("notes", "write").pointer("text", "/scheduledAt").build())
                .build();

        assertThat(recipe.trigger()).isSameAs(hourly);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "a:b", "a/b", "a*", "-report", ".report", "rapport-é"})
    void nameThatIsNotSafeInATopicIsRejected(String name) {
        assertThatThrownBy(() -> Schedule.every(name, HOUR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule '" + name + "': a name is 1 to 100 letters, digits, '.', "
                        + "'_' or '-', starting with a letter or digit");
    }

    @Test
    void nameOfMoreThan100CharactersIsRejected() {
        assertThatThrownBy(() -> Schedule.every("r".repeat(101), HOUR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 100");
        assertThat(Schedule.every("r".repeat(100), HOUR).name()).hasSize(100);
    }

    @Test
    void nullNameOrIntervalIsRejectedByName() {
        assertThatThrownBy(() -> Schedule.every(null, HOUR))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("schedule: name is null");
        assertThatThrownBy(() -> Schedule.every("report", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("schedule 'report': interval is null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0.999S", "PT0S", "-PT1H", "PT8785H"})
    void intervalUnderASecondOrOverAYearIsRejected(String interval) {
        assertThatThrownBy(() -> Schedule.every("report", Duration.parse(interval)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule 'report': interval " + Duration.parse(interval)
                        + " must be from 1 second to 366 days");
    }

    @Test
    void oneSecondIsTheShortestInterval() {
        assertThat(Schedule.every("fast", Duration.ofSeconds(1)).interval())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-PT1S", "PT1H", "PT2H"})
    void offsetThatIsNegativeOrNotLessThanTheIntervalIsRejected(String offset) {
        Schedule hourly = Schedule.every("report", HOUR);

        assertThatThrownBy(() -> hourly.offset(Duration.parse(offset)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule 'report': offset " + Duration.parse(offset)
                        + " must be zero or more and less than the interval PT1H");
    }

    @Test
    void offsetOrLeaseSetTwiceIsRejectedNamingTheFirst() {
        Schedule schedule = Schedule.every("report", HOUR).offset(Duration.ofMinutes(5))
                .lease(Duration.ofSeconds(20));

        assertThatThrownBy(() -> schedule.offset(Duration.ofMinutes(6)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("offset is already PT5M");
        assertThatThrownBy(() -> schedule.lease(Duration.ofSeconds(40)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lease is already PT20S");
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0.5S", "PT0S", "-PT30S", "PT24H0.001S"})
    void leaseUnderASecondOrOverADayIsRejected(String lease) {
        Schedule hourly = Schedule.every("report", HOUR);

        assertThatThrownBy(() -> hourly.lease(Duration.parse(lease)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule 'report': lease " + Duration.parse(lease)
                        + " must be from 1 second to 1 day");
    }
}
