package dev.recipes.testkit.slack.attack;

import static dev.recipes.testkit.slack.attack.InstallRig.awaitIdle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.slack.FakeSlackApi;
import dev.recipes.testkit.slack.SlackSimulator;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing events of many workspaces over loopback HTTP: events from a workspace with no
 * connection, messages from another org in a shared channel, events naming no workspace or
 * odd ids, org-wide installs, and {@code fromWorkspace} with odd ids. Nothing is ever posted
 * with another workspace's token, nor with the {@code default} connection's.
 */
final class WorkspaceRoutingAttackTest {

    private InstallRig rig;
    private RecipeEngine engine;
    private String defaultToken;
    private final List<Event> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        rig = new InstallRig();
        Recipe pong = Recipe.named("pong")
                .when(Slack.message().containing("ping"))
                .then(Slack.postMessage(Mapping.pointer("/event/channel")).text("pong")
                        .asEventWorkspace())
                .build();
        Recipe deploy = Recipe.named("deploy")
                .when(Slack.slashCommand("/deploy"))
                .then(Slack.postMessage(Mapping.pointer("/channel_id")).text("deploying")
                        .asEventWorkspace())
                .build();
        Recipe acmeOnly = Recipe.named("acme-only")
                .when(Slack.message().fromWorkspace("t0acme001").containing("acme"))
                .then(Slack.postMessage("C0ACMELOG").textFrom("/event/text").as("t0acme001"))
                .build();
        engine = rig.engine(pong, deploy, acmeOnly);
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "attack", failures::add);
        defaultToken = rig.slack.newBotToken();
        engine.connections().put(Connection.builder("slack", "default")
                .secret("bot-token", defaultToken).build());
        assertThat(rig.install("T0ACME001", "Acme").statusCode()).isEqualTo(200);
        assertThat(rig.install("T0GLOBEX1", "Globex").statusCode()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private SlackSimulator from(String teamId) {
        return SlackSimulator.of(Secret.of(InstallRig.SIGNING_SECRET), rig.clock)
                .withTarget(URI.create(rig.base())).withTeamId(teamId);
    }

    private static void accepted(WebhookResponse response) {
        assertThat(response.status()).as(new String(response.body())).isEqualTo(200);
    }

    private List<FakeSlackApi.Call> posts() {
        return rig.slack.calls("chat.postMessage");
    }

    private String tokenOf(String teamId) {
        return rig.slack.botTokenOf(teamId).orElseThrow();
    }

    @Test
    void eachWorkspaceIsAnsweredWithItsOwnToken() throws Exception {
        accepted(from("T0ACME001").message("C0ACME", "U1", "ping").send());
        accepted(from("T0GLOBEX1").message("C0GLOBEX", "U2", "ping").send());
        accepted(from("T0GLOBEX1").message("C0GLOBEX2", "U2", "acme ping").send());
        awaitIdle(engine);

        assertThat(posts()).extracting(call -> call.text("channel") + " " + call.token())
                .containsExactlyInAnyOrder("C0ACME " + tokenOf("T0ACME001"),
                        "C0GLOBEX " + tokenOf("T0GLOBEX1"),
                        "C0GLOBEX2 " + tokenOf("T0GLOBEX1"));
        assertThat(rig.slack.messages("C0ACMELOG")).isEmpty();
    }

    @Test
    void anEventFromAWorkspaceWithNoConnectionIsDeadLetteredAndNothingIsPosted()
            throws Exception {
        accepted(from("T0NOBODY1").message("C0X", "U1", "ping").send());
        awaitIdle(engine);

        assertThat(posts()).isEmpty();
        assertThat(engine.deadLetters().list()).singleElement()
                .satisfies(letter -> assertThat(letter.connection()).isEqualTo("t0nobody1"));
    }

    @Test
    void aMessageFromAnotherOrgInASharedChannelActsAsTheReceivingInstallation()
            throws Exception {
        accepted(from("T0ACME001").message("C0SHARED", "U0FOREIGN", "ping acme")
                .editPayload(envelope -> envelope.put("team_id", "T0GLOBEX1"))
                .editEvent(event -> event.put("team", "T0GLOBEX1"))
                .send());
        awaitIdle(engine);

        assertThat(posts()).extracting(FakeSlackApi.Call::token)
                .containsOnly(tokenOf("T0ACME001")).hasSize(2);
        assertThat(rig.slack.messages("C0ACMELOG")).hasSize(1);
    }

    @Test
    void eventsNamingNoWorkspaceOrOddIdsFailTheRecipeAndUseNoOtherToken() throws Exception {
        List<java.util.function.Consumer<ObjectNode>> edits = List.of(
                envelope -> envelope.putArray("authorizations"),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("team_id", "t0acme001"),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("team_id", "T0ACME001\n"),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("team_id", "T0ACME001").put("is_enterprise_install", true),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("team_id", "../default"),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("team_id", 12345),
                envelope -> envelope.putArray("authorizations").addObject()
                        .put("enterprise_id", "E0ORG").put("team_id", "DEFAULT"));
        int n = 0;
        for (var edit : edits) {
            accepted(from("T0ACME001").message("C0ODD" + n++, "U1", "ping")
                    .editPayload(edit).editPayload(envelope -> envelope.put("team_id", "x"))
                    .send());
        }
        awaitIdle(engine);

        assertThat(posts()).isEmpty();
        assertThat(failures).hasSize(edits.size());
    }

    @Test
    void anOrgWideInstallAnswersEveryWorkspaceOfTheOrg() throws Exception {
        rig.slack.installIntoEnterprise("E0ORG0001", "Org", null, null, true);
        var browser = InstallRig.browser();
        assertThat(InstallRig.get(browser, rig.callbackUrl(browser)).statusCode())
                .isEqualTo(200);
        assertThat(engine.connections().find("slack", "e0org0001")).isPresent();

        for (String team : List.of("T0GRIDA01", "T0GRIDB01")) {
            accepted(from(team).message("C0" + team, "U1", "ping")
                    .editPayload(envelope -> envelope.putArray("authorizations").addObject()
                            .put("enterprise_id", "E0ORG0001").put("team_id", team)
                            .put("is_enterprise_install", true))
                    .send());
        }
        awaitIdle(engine);
        assertThat(posts()).extracting(FakeSlackApi.Call::token).hasSize(2)
                .containsOnly(tokenOf("E0ORG0001"));
    }

    @Test
    void aSlashCommandIsAnsweredAsItsWorkspace() throws Exception {
        accepted(from("T0GLOBEX1").slashCommand("/deploy", "prod").send());
        awaitIdle(engine);
        assertThat(posts()).singleElement()
                .satisfies(call -> assertThat(call.token()).isEqualTo(tokenOf("T0GLOBEX1")));
    }

    @Test
    void fromWorkspaceRefusesIdsThatAreNotConnectionIds() {
        for (String odd : List.of("T0ACME001", "t0acme001 ", " t0acme001", "default", "",
                "e0org.", ".t0acme001", "e0org..t0acme001", "t0acme001/x", "../t0acme001",
                "t0acme001\n", "x" + "a".repeat(300), "e0org.t0a.t0b", "u0user1")) {
            assertThatThrownBy(() -> Slack.message().fromWorkspace(odd)).as("'%s'", odd)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String good : List.of("t0acme001", "e0org0001", "e0org0001.t0grid001")) {
            assertThat(Slack.message().fromWorkspace(good).toString()).contains(good);
        }
    }
}
