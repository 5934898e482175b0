package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Event;
import dev.recipes.core.MappingException;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The connection id of each kind of Slack installation, how steps and triggers choose it, and
 * the ids and combinations that are refused.
 */
final class SlackWorkspaceTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void connectionId_followsTheInstallKind() {
        assertThat(SlackWorkspace.connectionId(null, "T0TEST001", false)).isEqualTo("t0test001");
        assertThat(SlackWorkspace.connectionId("E0ENT001", "T0TEST001", false))
                .isEqualTo("e0ent001.t0test001");
        assertThat(SlackWorkspace.connectionId("E0ENT001", "T0TEST001", true))
                .isEqualTo("e0ent001");
        assertThat(SlackWorkspace.connectionId("E0ENT001", null, true)).isEqualTo("e0ent001");
    }

    @Test
    void connectionId_refusesWhatIsNotASlackId_quotingIt() {
        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, "t0test001", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack workspace: team id 't0test001' is not a Slack team id such "
                        + "as 'T0TEST001'");
        assertThatThrownBy(() -> SlackWorkspace.connectionId("T0TEST001", "T0TEST002", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("enterprise id 'T0TEST001' is not a Slack enterprise id");
        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, "T0/../X", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'T0/../X'");
        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, "", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("''");
    }

    @Test
    void connectionId_abbreviatesALongValue_andEscapesControlCharacters() {
        String forged = "T0TEST001\nINFO forged log line " + "X".repeat(200);

        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, forged, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'T0TEST001\\u000aINFO forged")
                .hasMessageContaining("...'")
                .hasMessageNotContaining("\n")
                .hasMessageNotContaining("X".repeat(100));
    }

    @Test
    void connectionId_needsTheIdsItsInstallKindIsKeyedBy() {
        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, "T0TEST001", true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack workspace: an org-wide install needs an enterprise id (team "
                        + "'T0TEST001' alone does not name the org)");
        assertThatThrownBy(() -> SlackWorkspace.connectionId("E0ENT001", null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack workspace: a workspace install needs a team id; for an "
                        + "org-wide install of 'E0ENT001' pass enterpriseInstall true");
        assertThatThrownBy(() -> SlackWorkspace.connectionId(null, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack workspace: a workspace install needs a team id");
    }

    @Test
    void connectionIdOf_prefersTheAuthorization_overTheTeamTheEventHappenedIn() throws Exception {
        Event shared = event("slack.message", "{\"team_id\":\"T0OTHER01\","
                + "\"enterprise_id\":\"E0OTHER01\",\"authorizations\":[{\"enterprise_id\":null,"
                + "\"team_id\":\"T0TEST001\",\"is_enterprise_install\":false}]}");

        assertThat(SlackWorkspace.connectionIdOf(shared)).contains("t0test001");
    }

    @Test
    void connectionIdOf_readsAnEnvelopeWithoutAuthorizations() throws Exception {
        Event plain = event("slack.message", "{\"team_id\":\"T0TEST001\"}");
        Event grid = event("slack.message", "{\"team_id\":\"T0TEST001\","
                + "\"enterprise_id\":\"E0ENT001\"}");
        Event orgWide = event("slack.message", "{\"team_id\":\"T0TEST001\","
                + "\"enterprise_id\":\"E0ENT001\",\"is_enterprise_install\":true}");

        assertThat(SlackWorkspace.connectionIdOf(plain)).contains("t0test001");
        assertThat(SlackWorkspace.connectionIdOf(grid)).contains("e0ent001.t0test001");
        assertThat(SlackWorkspace.connectionIdOf(orgWide)).contains("e0ent001");
    }

    @Test
    void connectionIdOf_takesTheInstalledTeamOfAModal_andTheUsersTeamWhenTeamIsNull()
            throws Exception {
        Event sharedModal = event("slack.view_submission", "{\"team\":{\"id\":\"T0OTHER01\"},"
                + "\"view\":{\"team_id\":\"T0OTHER01\",\"app_installed_team_id\":\"T0TEST001\"}}");
        Event teamNull = event("slack.block_actions", "{\"team\":null,\"enterprise\":null,"
                + "\"user\":{\"id\":\"U0USER001\",\"team_id\":\"T0TEST001\"}}");

        assertThat(SlackWorkspace.connectionIdOf(sharedModal)).contains("t0test001");
        assertThat(SlackWorkspace.connectionIdOf(teamNull)).contains("t0test001");
    }

    @Test
    void connectionIdOf_readsASlashCommandsFormFields_asText() throws Exception {
        Event grid = event("slack.slash_command", "{\"team_id\":\"T0TEST001\","
                + "\"enterprise_id\":\"E0ENT001\",\"is_enterprise_install\":\"false\"}");
        Event orgWide = event("slack.slash_command", "{\"team_id\":\"T0TEST001\","
                + "\"enterprise_id\":\"E0ENT001\",\"is_enterprise_install\":\"true\"}");
        // Socket Mode rebuilds the form from JSON, where a null becomes the text 'null'.
        Event nullOrg = event("slack.slash_command", "{\"team_id\":\"T0TEST001\","
                + "\"enterprise_id\":\"null\",\"is_enterprise_install\":\"false\"}");

        assertThat(SlackWorkspace.connectionIdOf(grid)).contains("e0ent001.t0test001");
        assertThat(SlackWorkspace.connectionIdOf(orgWide)).contains("e0ent001");
        assertThat(SlackWorkspace.connectionIdOf(nullOrg)).contains("t0test001");
    }

    @Test
    void connectionIdOf_isEmptyWithoutATeam_orWithIdsThatAreNotSlackIds() throws Exception {
        assertThat(SlackWorkspace.connectionIdOf(event("slack.pin_added", "{}"))).isEmpty();
        assertThat(SlackWorkspace.connectionIdOf(event("slack.message",
                "{\"team_id\":\"t0-lower\"}"))).isEmpty();
        assertThat(SlackWorkspace.connectionIdOf(event("slack.message",
                "{\"team_id\":\"T0TEST001\",\"is_enterprise_install\":true}"))).isEmpty();
        assertThat(SlackWorkspace.connectionIdOf(event("slack.message",
                "{\"team_id\":7}"))).isEmpty();
    }

    @Test
    void eventWorkspaceMapping_rendersTheIdAsText_orFailsNamingTheEvent() throws Exception {
        Event grid = event("slack.message", "{\"authorizations\":[{\"enterprise_id\":"
                + "\"E0ENT001\",\"team_id\":\"T0TEST001\",\"is_enterprise_install\":false}]}");
        Event orgWideWithoutOrg = event("slack.message", "{\"authorizations\":[{"
                + "\"enterprise_id\":null,\"team_id\":null,\"is_enterprise_install\":true}]}");

        assertThat(Slack.eventWorkspace().apply(grid).isTextual()).isTrue();
        assertThat(Slack.eventWorkspace().apply(grid).asText()).isEqualTo("e0ent001.t0test001");
        assertThat(Slack.eventWorkspace()).hasToString("Slack.eventWorkspace()");
        assertThatThrownBy(() -> Slack.eventWorkspace().apply(event("slack.pin_added", "{}")))
                .isInstanceOf(MappingException.class)
                .hasMessage("event 'Ev0TEST01' of type 'slack.pin_added' carries no Slack team,"
                        + " so it names no workspace connection to act as");
        assertThatThrownBy(() -> Slack.eventWorkspace().apply(orgWideWithoutOrg))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("carries no Slack enterprise for its org-wide install");
        assertThatThrownBy(() -> Slack.eventWorkspace().apply(event("slack.message",
                "{\"team_id\":\"t0-lower\"}")))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("team id 't0-lower' is not a Slack team id");
    }

    @Test
    void asEventWorkspace_picksTheConnectionPerEvent() throws Exception {
        PostMessageStep step = Slack.postMessage("C0ALERTS").text("hi").asEventWorkspace();

        assertThat(step.connectionFromEvent()).isTrue();
        assertThat(step.connection(event("slack.message", "{\"team_id\":\"T0TEST002\"}")))
                .isEqualTo("t0test002");
        assertThat(step.connection()).isEqualTo("default");
        assertThat(step.toString()).endsWith(", as the event's workspace]");
        assertThatThrownBy(() -> step.connection(event("slack.pin_added", "{}")))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("carries no Slack team");
    }

    @Test
    void aStepNamingItsConnection_keepsIt_forEveryEvent() throws Exception {
        PostMessageStep step = Slack.postMessage("C0ALERTS").text("hi").as("t0test001");

        assertThat(step.connectionFromEvent()).isFalse();
        assertThat(step.connection(event("slack.message", "{\"team_id\":\"T0TEST002\"}")))
                .isEqualTo("t0test001");
    }

    @Test
    void theConnectionIsChosenOnce_andTheSecondChoiceNamesTheFirst() {
        PostMessageStep named = Slack.postMessage("C0ALERTS").text("hi").as("t0test001");
        PostMessageStep fromEvent = Slack.postMessage("C0ALERTS").text("hi").asEventWorkspace();

        assertThatThrownBy(named::asEventWorkspace).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already acts as 't0test001'")
                .hasMessageContaining("(not the event's workspace)");
        assertThatThrownBy(() -> fromEvent.as("t0test002"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already acts as the event's workspace")
                .hasMessageContaining("(not 't0test002')");
        assertThatThrownBy(fromEvent::asEventWorkspace).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fromWorkspace_selectsTheInstallationTheEventWasDeliveredTo() throws Exception {
        SlackTrigger trigger = Slack.message().fromWorkspace("e0ent001.t0test001");
        Event grid = message("{\"enterprise_id\":\"E0ENT001\",\"team_id\":\"T0TEST001\","
                + "\"is_enterprise_install\":false}");
        Event plain = message("{\"enterprise_id\":null,\"team_id\":\"T0TEST001\","
                + "\"is_enterprise_install\":false}");

        assertThat(trigger.matches(grid)).isTrue();
        assertThat(trigger.matches(plain)).isFalse();
        assertThat(Slack.message().fromWorkspace("t0test001").matches(plain)).isTrue();
    }

    @Test
    void fromWorkspace_composesWithOtherSelectors_andPrintsAsJava() {
        SlackTrigger trigger = Slack.message().inChannel("C0SALES").fromWorkspace("t0test001")
                .containing("order");

        assertThat(trigger).hasToString("Slack.message().inChannel(\"C0SALES\")"
                + ".fromWorkspace(\"t0test001\").containing(\"order\")");
        assertThat(trigger).isEqualTo(Slack.message().fromWorkspace("t0test001")
                .containing("order").inChannel("C0SALES"));
        assertThat(trigger.hashCode()).isEqualTo(Slack.message().fromWorkspace("t0test001")
                .containing("order").inChannel("C0SALES").hashCode());
        assertThat(trigger).isNotEqualTo(Slack.message().inChannel("C0SALES")
                .fromWorkspace("t0test002").containing("order"));
    }

    @Test
    void fromWorkspace_refusesASlackId_andASecondWorkspace() {
        assertThatThrownBy(() -> Slack.message().fromWorkspace("T0TEST001"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'T0TEST001' is not the connection id of a Slack "
                        + "workspace, such as 't0acme001'");
        assertThatThrownBy(() -> Slack.message().fromWorkspace("default"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().fromWorkspace(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
        assertThatThrownBy(() -> Slack.message().fromWorkspace("t0test001")
                .fromWorkspace("t0test002"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("workspace is already 't0test001'");
    }

    private Event message(String authorization) throws Exception {
        return event("slack.message", "{\"team_id\":\"T0TEST001\",\"authorizations\":["
                + authorization + "],\"event\":{\"type\":\"message\",\"user\":\"U0USER001\","
                + "\"text\":\"hi\",\"channel\":\"C0CHAN001\"}}");
    }

    private Event event(String type, String data) throws Exception {
        return new Event("Ev0TEST01", URI.create("/slack/T0TEST001"), type, null,
                Instant.EPOCH, null, json.readTree(data));
    }
}
