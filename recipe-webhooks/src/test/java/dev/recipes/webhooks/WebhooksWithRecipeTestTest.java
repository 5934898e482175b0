package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.Connection;
import dev.recipes.core.Recipe;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.http.FakeHttpServer;
import dev.recipes.testkit.http.ReceivedRequest;
import dev.recipes.testkit.junit.RecipeTest;
import dev.recipes.testkit.standardwebhooks.StandardWebhooksSimulator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The testkit's built-in Standard Webhooks sender and fake HTTP server, as a user of
 * {@link RecipeTest} gets them: the sender signs for the {@code default} source the engine is
 * configured with, and the fake receives what the {@code http} action posts.
 */
@RecipeTest
final class WebhooksWithRecipeTestTest {

    static Recipe forwardPaidInvoices(String url) {
        return Recipe.named("forward-paid-invoices")
                .when(Webhooks.from("default").ofType("invoice.paid"))
                .then(Http.post(url).pointer("body", "/payload/data").build())
                .build();
    }

    @BeforeEach
    void setUp(TestEngine engine, FakeHttpServer crm) {
        engine.config("http.allowed-private-hosts", "127.0.0.1")
                .connection(Connection.builder("http", "default")
                        .secret("header.Authorization", "Bearer crm-token")
                        .build())
                .recipe(forwardPaidInvoices(crm.url("/payments")));
    }

    @Test
    void aSignedInvoiceIsPostedOnce(TestEngine engine, StandardWebhooksSimulator billing,
            FakeHttpServer crm) {
        var data = JsonNodeFactory.instance.objectNode().put("invoice", "in_42");

        WebhookResponse first = billing.event("invoice.paid", data).send();
        engine.awaitIdle();

        assertThat(first.status()).isEqualTo(200);
        engine.assertThatAction("http", "post").succeeded();
        List<ReceivedRequest> received = crm.requests();
        assertThat(received).hasSize(1);
        assertThat(received.get(0).path()).isEqualTo("/payments");
        assertThat(received.get(0).header("Authorization")).contains("Bearer crm-token");
        assertThat(received.get(0).json().path("invoice").asText()).isEqualTo("in_42");
    }

    @Test
    void aRedeliveryPostsNothingNew(TestEngine engine, StandardWebhooksSimulator billing,
            FakeHttpServer crm) {
        var request = billing.event("invoice.paid",
                JsonNodeFactory.instance.objectNode().put("invoice", "in_43")).build();

        request.send();
        WebhookResponse again = request.redelivered().send();
        engine.awaitIdle();

        assertThat(again.status()).isEqualTo(200);
        engine.assertThatEvents().hasSize(1);
        assertThat(crm.requests()).hasSize(1);
    }

    @Test
    void aSenderWithAnotherSecretIsRefused(TestEngine engine, StandardWebhooksSimulator billing,
            FakeHttpServer crm) {
        WebhookResponse response = billing.event("invoice.paid",
                        JsonNodeFactory.instance.objectNode())
                .signedWith(StandardWebhooksSimulator.newSecret())
                .send();
        engine.awaitIdle();

        assertThat(response.status()).isEqualTo(401);
        engine.assertThatEvents().isEmpty();
        assertThat(crm.requests()).isEmpty();
    }

    @Test
    void aBusyReceiverIsRetriedAfterItsRetryAfter(TestEngine engine,
            StandardWebhooksSimulator billing, FakeHttpServer crm) {
        crm.failNext(503, "{}", Map.of("Retry-After", "20"));

        billing.event("invoice.paid", JsonNodeFactory.instance.objectNode().put("n", 1)).send();
        engine.awaitQuiet();
        engine.assertThatAction("http", "post").isWaitingToRetryIn(Duration.ofSeconds(20));
        engine.advance(Duration.ofSeconds(20));
        engine.awaitIdle();

        engine.assertThatAction("http", "post").succeeded().hasAttempts(2);
        assertThat(crm.requests()).hasSize(2);
    }
}
