package dev.recipes.webhooks;

import static dev.recipes.webhooks.WebhookFixture.SPEC_BODY;
import static dev.recipes.webhooks.WebhookFixture.SPEC_CLOCK;
import static dev.recipes.webhooks.WebhookFixture.SPEC_ID;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SECRET;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SIGNATURE;
import static dev.recipes.webhooks.WebhookFixture.SPEC_TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Connection;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.http.FakeHttpServer;
import dev.recipes.testkit.http.ReceivedRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both services in one engine, over real loopback HTTP: a signed Standard Webhooks message in,
 * an allow-listed POST out to a fake API.
 */
final class WebhookToHttpTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TOKEN = "tok-0d1e2f3a4b";

    private final FakeHttpServer api = FakeHttpServer.start();
    private RecipeEngine engine;
    private JdkWebhookServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
        }
        api.close();
    }

    private void start(Recipe recipe, String privateHosts) {
        engine = RecipeEngine.builder().discoverServices(false)
                .service(new WebhookService())
                .service(new HttpService())
                .clock(SPEC_CLOCK)
                .retryPolicy(RetryPolicy.none())
                .config("webhook.sources", "std")
                .config("webhook.std.secrets", SPEC_SECRET)
                .config("http.allowed-private-hosts", privateHosts)
                .recipe(recipe)
                .build();
        engine.connections().put(Connection.builder("http", "sink")
                .secret("header.Authorization", "Bearer " + TOKEN)
                .build());
        engine.start();
        server = JdkWebhookServer.start(engine,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private Recipe forward() {
        return Recipe.named("forward")
                .when(Webhooks.from("std"))
                .then(Http.post(api.url("/sink")).pointer("body", "/payload").as("sink").build())
                .build();
    }

    private HttpResponse<String> sendSpecExample() throws Exception {
        return send(SPEC_ID, SPEC_SIGNATURE, SPEC_BODY);
    }

    private HttpResponse<String> send(String id, String signature, String body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/hooks/webhook/std"))
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(SPEC_TIMESTAMP))
                .header("webhook-signature", signature)
                .timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private List<Event> results(String outcome) {
        List<Event> events = new CopyOnWriteArrayList<>();
        engine.bus().subscribe("result.http.post." + outcome, "test", events::add);
        return events;
    }

    @Test
    void signedMessageIsPostedToTheAllowedApiWithTheConnectionsHeader() throws Exception {
        start(forward(), "127.0.0.1");
        List<Event> succeeded = results("succeeded");

        HttpResponse<String> response = sendSpecExample();
        List<ReceivedRequest> received = api.awaitRequests(1, WAIT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received.get(0).path()).isEqualTo("/sink");
        assertThat(received.get(0).header("Authorization")).contains("Bearer " + TOKEN);
        assertThat(received.get(0).json().get("test").asLong()).isEqualTo(2_432_232_314L);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(succeeded.get(0).data().at("/result/status").asInt()).isEqualTo(200);
    }

    @Test
    void redeliveredMessageIsPostedOnce() throws Exception {
        start(forward(), "127.0.0.1");

        sendSpecExample();
        sendSpecExample();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(api.requests()).hasSize(1);
    }

    @Test
    void stepToAHostThatIsNotAllowedFailsWithTheGuardsReasonAndSendsNothing()
            throws Exception {
        start(forward(), "192.0.2.1");
        List<Event> failed = results("failed");

        sendSpecExample();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(api.requests()).isEmpty();
        assertThat(failed.get(0).data().at("/error/reason").asText())
                .isEqualTo("PERMANENT_FAILURE");
        assertThat(failed.get(0).data().at("/error/message").asText())
                .isEqualTo("action 'http/post': host '127.0.0.1' is not allowed; config "
                        + "'http.allowed-hosts' allows (none) (a host that resolves to a "
                        + "loopback or private address is allowed by "
                        + "'http.allowed-private-hosts' instead)")
                .doesNotContain(TOKEN);
    }

    @Test
    void typedTriggerPostsOnlyMessagesOfItsType() throws Exception {
        Recipe paidOnly = Recipe.named("paid-only")
                .when(Webhooks.from("std").ofType("invoice.paid"))
                .then(Http.post(api.url("/sink")).pointer("body", "/payload/data").build())
                .build();
        start(paidOnly, "127.0.0.1");
        String paid = "{\"type\":\"invoice.paid\",\"data\":{\"invoice\":\"in_1\"}}";
        String signature = StandardWebhooksSignature.of(Secret.of(SPEC_SECRET))
                .sign("msg_paid", SPEC_TIMESTAMP, paid.getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> untyped = sendSpecExample();
        HttpResponse<String> typed = send("msg_paid", signature, paid);

        assertThat(List.of(untyped.statusCode(), typed.statusCode())).containsOnly(200);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(api.requests()).extracting(ReceivedRequest::bodyText)
                .containsExactly("{\"invoice\":\"in_1\"}");
    }
}
