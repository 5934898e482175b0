package dev.recipes.examples.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.github.GitHubRequest;
import dev.recipes.testkit.github.GitHubSimulator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GitHub deliveries from the testkit's simulator into an engine that runs the example GitHub
 * service, over loopback HTTP and in-process.
 */
final class GitHubServiceTest {

    // The secret of the test vector in GitHub's documentation on validating deliveries.
    private static final Secret SECRET = Secret.of("It's a Secret to Everybody");
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** How a delivery reaches the engine. */
    enum Transport { HTTP, IN_PROCESS }

    private final List<Event> received = new CopyOnWriteArrayList<>();
    private final List<ActionAttempt> succeeded = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;
    private JdkWebhookServer server;

    @BeforeEach
    void start() {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(GitHubService.withWebhookSecret(SECRET))
                .recipe(Recipe.named("new-issues")
                        .when(GitHub.issues().withAction("opened"))
                        .then(GitHub.logLine().pointer("text", "/issue/title").build())
                        .build())
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        received.add(event);
                    }

                    @Override
                    public void actionSucceeded(ActionAttempt attempt) {
                        succeeded.add(attempt);
                    }
                })
                .build();
        engine.start();
        server = JdkWebhookServer.builder(engine.webhooks())
                .address(new InetSocketAddress("127.0.0.1", 0)).start();
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void documentedVector_signsARequestTheServiceAccepts(Transport transport) {
        GitHubRequest ping = github(transport).event("ping", "Hello, World!").build();

        WebhookResponse response = ping.send();

        assertThat(ping.header("X-Hub-Signature-256")).contains("sha256="
                + "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assertThat(response.status()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void ping_isAnswered200AndNotPublished(Transport transport) throws Exception {
        WebhookResponse response = github(transport).ping().send();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(response.status()).isEqualTo(200);
        assertThat(received).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void openedIssue_reachesTheRecipeAndRunsItsAction(Transport transport) throws Exception {
        GitHubRequest opened = github(transport).withRepository("octo/hello")
                .issues("opened", 7, "Crash on start").build();

        WebhookResponse response = opened.send();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(response.status()).isEqualTo(200);
        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.id()).isEqualTo(opened.deliveryId().orElseThrow());
            assertThat(event.type()).isEqualTo("github.issues");
            assertThat(event.source()).isEqualTo(URI.create("/github/octo/hello"));
            assertThat(event.data().at("/issue/title").asText()).isEqualTo("Crash on start");
        });
        assertThat(succeeded).singleElement().satisfies(attempt -> {
            assertThat(attempt.recipe()).isEqualTo("new-issues");
            assertThat(attempt.action()).isEqualTo("log-line");
        });
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void redeliveredIssue_isPublishedAndActedOnOnce(Transport transport) throws Exception {
        GitHubRequest opened = github(transport).issues("opened", 8, "Twice").build();

        int first = opened.send().status();
        int again = opened.redelivered().send().status();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(first).isEqualTo(200);
        assertThat(again).isEqualTo(200);
        assertThat(received).hasSize(1);
        assertThat(succeeded).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void pushAndPullRequest_arePublishedButDoNotMatchTheTrigger(Transport transport)
            throws Exception {
        GitHubSimulator github = github(transport).withRepository("octo/hello");

        int push = github.push("refs/heads/main", "Fix the build").send().status();
        int pull = github.pullRequest("opened", 12, "Add retries").send().status();
        int closed = github.issues("closed", 7, "Crash on start").send().status();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(List.of(push, pull, closed)).containsOnly(200);
        assertThat(received).extracting(Event::type, Event::source).containsExactlyInAnyOrder(
                tuple("github.push", URI.create("/github/octo/hello")),
                tuple("github.pull_request", URI.create("/github/octo/hello")),
                tuple("github.issues", URI.create("/github/octo/hello")));
        assertThat(received).filteredOn(event -> event.type().equals("github.push"))
                .singleElement().satisfies(event -> assertThat(
                        event.data().at("/head_commit/message").asText())
                        .isEqualTo("Fix the build"));
        assertThat(succeeded).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void badSignature_isRefusedWith401WithoutTheSecret(Transport transport) throws Exception {
        GitHubSimulator github = github(transport);

        WebhookResponse wrongSecret = github.issues("opened", 1, "A")
                .signedWith(Secret.of("another secret")).send();
        WebhookResponse tampered = github.issues("opened", 2, "B").tamperAfterSigning().send();
        WebhookResponse unsigned = github.issues("opened", 3, "C").unsigned().send();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(List.of(wrongSecret, tampered, unsigned))
                .allSatisfy(response -> {
                    assertThat(response.status()).isEqualTo(401);
                    assertThat(response.bodyText()).doesNotContain(SECRET.reveal());
                });
        assertThat(received).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void missingDeliveryIdOrInvalidJson_isRefusedWith400(Transport transport) throws Exception {
        GitHubSimulator github = github(transport);

        int noDelivery = github.issues("opened", 1, "A").withoutHeader("X-GitHub-Delivery")
                .send().status();
        int notJson = github.event("issues", "{\"action\":").send().status();
        int formEncoded = github.issues("opened", 2, "B").formEncoded().send().status();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(List.of(noDelivery, notJson, formEncoded)).containsOnly(400);
        assertThat(received).isEmpty();
    }

    @Test
    void logLine_returnsTheLineBuiltFromItsText() {
        ObjectNode params = new ObjectMapper().createObjectNode().put("text", "hello");
        ActionInvocation invocation = new ActionInvocation("github", "log-line", params,
                "default", null, "key-1", "r1", "e1", false);

        JsonNode result = new GitHubService().actions().get(0).execute(invocation);

        assertThat(result.path("line").asText()).isEqualTo("r1: hello");
    }

    @Test
    void noArgumentService_readsItsSecretFromConfig() {
        try (RecipeEngine configured = RecipeEngine.builder().discoverServices(false)
                .service(new GitHubService()).config("github.webhook-secret", "from-config")
                .build()) {
            configured.start();

            WebhookResponse response = GitHubSimulator.of(Secret.of("from-config"))
                    .withTarget(configured.webhooks())
                    .issues("opened", 1, "A").send();

            assertThat(response.status()).isEqualTo(200);
        }
    }

    @Test
    void missingSecret_startsButRefusesEveryWebhook() {
        try (RecipeEngine unconfigured = RecipeEngine.builder().discoverServices(false)
                .service(new GitHubService()).build()) {
            unconfigured.start();

            WebhookResponse response = GitHubSimulator.of(Secret.of("any"))
                    .withTarget(unconfigured.webhooks())
                    .issues("opened", 1, "A").send();

            assertThat(response.status()).isEqualTo(401);
        }
    }

    @Test
    void serviceLoader_findsTheService() {
        assertThat(ServiceLoader.load(Service.class).stream().map(ServiceLoader.Provider::type))
                .contains(GitHubService.class);
    }

    private GitHubSimulator github(Transport transport) {
        GitHubSimulator github = GitHubSimulator.of(SECRET);
        return transport == Transport.HTTP
                ? github.withTarget(URI.create("http://127.0.0.1:" + server.port()))
                : github.withTarget(engine.webhooks());
    }
}
