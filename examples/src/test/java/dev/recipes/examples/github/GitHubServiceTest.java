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
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GitHub webhooks over loopback HTTP into an engine that runs the example GitHub service. */
final class GitHubServiceTest {

    // The test vector from GitHub's documentation on validating webhook deliveries.
    private static final Secret DOCUMENTED_SECRET = Secret.of("It's a Secret to Everybody");
    private static final String DOCUMENTED_BODY = "Hello, World!";
    private static final String DOCUMENTED_SIGNATURE =
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String OPENED = "{\"action\":\"opened\",\"issue\":{\"number\":7,"
            + "\"title\":\"Crash on start\"},\"repository\":{\"full_name\":\"octo/hello\"}}";

    private final List<Event> received = new CopyOnWriteArrayList<>();
    private final List<ActionAttempt> succeeded = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private RecipeEngine engine;
    private JdkWebhookServer server;

    @BeforeEach
    void start() {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(GitHubService.withWebhookSecret(DOCUMENTED_SECRET))
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

    @Test
    void documentedVector_signsARequestTheServiceAccepts() throws Exception {
        String signature = GitHubSignature.of(DOCUMENTED_SECRET)
                .sign(DOCUMENTED_BODY.getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = post("ping", "d-ping", DOCUMENTED_BODY, signature);

        assertThat(signature).isEqualTo(DOCUMENTED_SIGNATURE);
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void wrongSignature_isRefusedWith401WithoutTheSecret() throws Exception {
        String wrong = GitHubSignature.of(Secret.of("another secret"))
                .sign(OPENED.getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = post("issues", "d-wrong", OPENED, wrong);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain(DOCUMENTED_SECRET.reveal());
        assertThat(received).isEmpty();
    }

    @Test
    void ping_isAnswered200AndNotPublished() throws Exception {
        HttpResponse<String> response = postSigned("ping", "d-ping", "{\"zen\":\"Keep it simple\","
                + "\"hook_id\":1}");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received).isEmpty();
    }

    @Test
    void issuesEvent_reachesTheRecipeAndRunsItsActionOnceWhenDeliveredTwice() throws Exception {
        int first = postSigned("issues", "d-issue-1", OPENED).statusCode();
        int second = postSigned("issues", "d-issue-1", OPENED).statusCode();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(first).isEqualTo(200);
        assertThat(second).isEqualTo(200);
        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.id()).isEqualTo("d-issue-1");
            assertThat(event.type()).isEqualTo("github.issues");
            assertThat(event.source()).isEqualTo(URI.create("/github/octo/hello"));
            assertThat(event.data().at("/issue/title").asText()).isEqualTo("Crash on start");
        });
        assertThat(succeeded).singleElement().satisfies(attempt -> {
            assertThat(attempt.recipe()).isEqualTo("new-issues");
            assertThat(attempt.action()).isEqualTo("log-line");
        });
    }

    @Test
    void otherActionOrEvent_isPublishedButDoesNotMatchTheTrigger() throws Exception {
        String closed = OPENED.replace("opened", "closed");

        int issue = postSigned("issues", "d-closed", closed).statusCode();
        int push = postSigned("push", "d-push", "{\"ref\":\"refs/heads/main\"}").statusCode();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(issue).isEqualTo(200);
        assertThat(push).isEqualTo(200);
        assertThat(received).extracting(Event::type, Event::source).containsExactlyInAnyOrder(
                tuple("github.issues",
                        URI.create("/github/octo/hello")),
                tuple("github.push", URI.create("/github/unknown")));
        assertThat(succeeded).isEmpty();
    }

    @Test
    void missingDeliveryIdOrInvalidJson_isRefusedWith400() throws Exception {
        int noDelivery = postSigned("issues", null, OPENED).statusCode();
        int notJson = postSigned("issues", "d-bad", "{\"action\":").statusCode();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(noDelivery).isEqualTo(400);
        assertThat(notJson).isEqualTo(400);
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
        byte[] body = OPENED.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("X-GitHub-Event", "issues",
                "X-GitHub-Delivery", "d-config", GitHubSignature.SIGNATURE_HEADER,
                GitHubSignature.of(Secret.of("from-config")).sign(body));

        try (RecipeEngine configured = RecipeEngine.builder().discoverServices(false)
                .service(new GitHubService()).config("github.webhook-secret", "from-config")
                .build()) {
            configured.start();

            assertThat(configured.webhooks()
                    .handle(WebhookRequest.post("/hooks/github", headers, body)).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void missingSecret_startsButRefusesEveryWebhook() {
        byte[] body = OPENED.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = Map.of("X-GitHub-Event", "issues",
                "X-GitHub-Delivery", "d-unconfigured", GitHubSignature.SIGNATURE_HEADER,
                GitHubSignature.of(Secret.of("any")).sign(body));

        try (RecipeEngine unconfigured = RecipeEngine.builder().discoverServices(false)
                .service(new GitHubService()).build()) {
            unconfigured.start();

            assertThat(unconfigured.webhooks()
                    .handle(WebhookRequest.post("/hooks/github", headers, body)).status())
                    .isEqualTo(401);
        }
    }

    @Test
    void serviceLoader_findsTheService() {
        assertThat(ServiceLoader.load(Service.class).stream().map(ServiceLoader.Provider::type))
                .contains(GitHubService.class);
    }

    private HttpResponse<String> postSigned(String event, String delivery, String body)
            throws Exception {
        String signature = GitHubSignature.of(DOCUMENTED_SECRET)
                .sign(body.getBytes(StandardCharsets.UTF_8));
        return post(event, delivery, body, signature);
    }

    private HttpResponse<String> post(String event, String delivery, String body,
            String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/hooks/github"))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", event)
                .header(GitHubSignature.SIGNATURE_HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (delivery != null) {
            request.header("X-GitHub-Delivery", delivery);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
