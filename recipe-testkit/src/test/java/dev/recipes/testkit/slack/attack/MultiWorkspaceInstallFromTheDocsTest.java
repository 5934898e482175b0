package dev.recipes.testkit.slack.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.slack.FakeSlackApi;
import dev.recipes.testkit.slack.SlackSimulator;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A new user's test, written from README.md, docs/slack.md ("Installing into many workspaces",
 * "Many workspaces in one engine", "Testing an install") and docs/testing-recipes.md: install
 * the app into two workspaces through the fake Slack, then one recipe per workspace and one
 * for every workspace post, each with its own workspace's token.
 */
final class MultiWorkspaceInstallFromTheDocsTest {

    private static final String CLIENT_ID = "1111.2222";
    private static final String CLIENT_SECRET = "docs-client-secret-41d2";
    private static final Secret SIGNING_SECRET = Secret.of("docs-signing-secret-0b9e");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoWorkspacesInstallAndEachRecipePostsAsItsOwnWorkspace() throws Exception {
        Recipe acmeOnly = Recipe.named("acme-invoices")
                .when(Slack.message().fromWorkspace("t0acme001").containing("invoice"))
                .then(Slack.postMessage("C0ACCOUNTS").textFrom("/event/text").as("t0acme001"))
                .build();
        Recipe globexOnly = Recipe.named("globex-invoices")
                .when(Slack.message().fromWorkspace("t0globex1").containing("invoice"))
                .then(Slack.postMessage("C0BILLING").textFrom("/event/text").as("t0globex1"))
                .build();
        Recipe everyWorkspace = Recipe.named("ack-mentions")
                .when(Slack.appMention())
                .then(Slack.postMessage(Mapping.pointer("/event/channel")).text("On it.")
                        .threadTsFrom("/event/ts").asEventWorkspace())
                .build();

        // The docs do not say how to learn the redirect URI's port before the engine starts;
        // JdkWebhookServer.builder(handler) (not in the docs) serves an engine built later.
        AtomicReference<RecipeEngine> served = new AtomicReference<>();
        try (FakeSlackApi slack = FakeSlackApi.start();
                JdkWebhookServer server = JdkWebhookServer.builder(
                                request -> served.get().webhooks().handle(request))
                        .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .start()) {
            slack.oauthApp(CLIENT_ID, CLIENT_SECRET);
            String base = "http://127.0.0.1:" + server.port();
            RecipeEngine engine = RecipeEngine.builder()
                    .recipe(acmeOnly).recipe(globexOnly).recipe(everyWorkspace)
                    .config("slack.signing-secret", SIGNING_SECRET.reveal())
                    .config("slack.client-id", CLIENT_ID)
                    .config("slack.client-secret", CLIENT_SECRET)
                    .config("slack.oauth-redirect-uri", base + "/oauth/slack/callback")
                    .config("slack.oauth-scopes", "chat:write,channels:history,app_mentions:read")
                    // Guessed: the docs name these keys "for tests" but the install section
                    // does not say the fake's authorizeUrl() and apiUrl() go there.
                    .config("slack.oauth-authorize-url", slack.authorizeUrl())
                    .config("slack.api-url", slack.apiUrl())
                    .build();
            served.set(engine);
            engine.start();
            try {
                slack.installInto("T0ACME001", "Acme");
                assertThat(installThroughTheBrowser(base).statusCode()).isEqualTo(200);
                slack.installInto("T0GLOBEX1", "Globex");
                HttpResponse<String> page = installThroughTheBrowser(base);
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("Globex");

                assertThat(engine.connections().find("slack", "t0acme001")).isPresent();
                assertThat(engine.connections().find("slack", "t0globex1")).isPresent();

                // Not in the docs: SlackSimulator.withTeamId sends from another workspace.
                SlackSimulator acme = SlackSimulator.of(SIGNING_SECRET)
                        .withTarget(URI.create(base)).withTeamId("T0ACME001");
                SlackSimulator globex = SlackSimulator.of(SIGNING_SECRET)
                        .withTarget(URI.create(base)).withTeamId("T0GLOBEX1");
                assertAccepted(acme.message("C0ACMEGEN", "U0ALICE", "invoice A-1").send());
                assertAccepted(globex.message("C0GLOBGEN", "U0BOB", "invoice G-1").send());
                assertAccepted(acme.event("app_mention", mention("C0ACMEDEV", "1.000100"))
                        .send());
                assertAccepted(globex.event("app_mention", mention("C0GLOBDEV", "2.000200"))
                        .send());
                assertThat(engine.awaitIdle(Duration.ofSeconds(10))).isTrue();

                String acmeToken = slack.botTokenOf("T0ACME001").orElseThrow();
                String globexToken = slack.botTokenOf("T0GLOBEX1").orElseThrow();
                Map<String, String> tokenByChannel = slack.calls("chat.postMessage").stream()
                        .filter(FakeSlackApi.Call::ok)
                        .collect(Collectors.toMap(call -> call.text("channel"),
                                FakeSlackApi.Call::token));
                assertThat(tokenByChannel).containsExactlyInAnyOrderEntriesOf(Map.of(
                        "C0ACCOUNTS", acmeToken,
                        "C0BILLING", globexToken,
                        "C0ACMEDEV", acmeToken,
                        "C0GLOBDEV", globexToken));
                assertThat(slack.messages("C0ACCOUNTS")).extracting(FakeSlackApi.Message::text)
                        .containsExactly("invoice A-1");
                assertThat(slack.messages("C0BILLING")).extracting(FakeSlackApi.Message::text)
                        .containsExactly("invoice G-1");
                assertThat(slack.messages("C0ACMEDEV")).singleElement()
                        .satisfies(reply -> assertThat(reply.threadTs()).isEqualTo("1.000100"));
                assertThat(engine.deadLetters().list()).isEmpty();
            } finally {
                engine.close();
            }
        }
    }

    private static ObjectNode mention(String channel, String ts) {
        return JSON.createObjectNode().put("channel", channel).put("user", "U0CAROL")
                .put("text", "<@U0BOT0001> deploy please").put("ts", ts);
    }

    private static void assertAccepted(WebhookResponse response) {
        assertThat(response.status()).as(new String(response.body())).isEqualTo(200);
    }

    // As in docs/slack.md "Testing an install", for each workspace in turn.
    private static HttpResponse<String> installThroughTheBrowser(String base) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String authorize = browser.send(HttpRequest.newBuilder(
                        URI.create(base + "/oauth/slack/start")).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("Location").get();
        String callback = browser.send(HttpRequest.newBuilder(URI.create(authorize)).build(),
                HttpResponse.BodyHandlers.ofString()).headers().firstValue("Location").get();
        return browser.send(HttpRequest.newBuilder(URI.create(callback)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
