package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Recipe;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slack redelivers an event whose first delivery is still being worked on; the recipe of the
 * first delivery must not run a second time.
 */
final class SlackSlowRecipeRedeliveryTest {

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger runs = new AtomicInteger();
    private final SlackFixture slack = SlackFixture.start(builder -> builder
            .service(new SlowService())
            .recipe(Recipe.named("slow")
                    .when(Slack.message())
                    .then(ActionStep.of("slow", "work").build())
                    .build()),
            SlackFixture.OBSERVED_TYPES);

    @AfterEach
    void stop() {
        release.countDown();
        slack.close();
    }

    @Test
    void aRetryWhileTheRecipeStillRunsDoesNotRunItAgain() throws Exception {
        byte[] body = SlackFixture.resource("message.json");

        WebhookResponse first = slack.send(body);
        assertThat(started.await(5, TimeUnit.SECONDS)).as("recipe started").isTrue();
        WebhookResponse retry = slack.send(body, Map.of("X-Slack-Retry-Num", "1",
                "X-Slack-Retry-Reason", "http_timeout"));
        release.countDown();

        assertThat(first.status()).isEqualTo(200);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(slack.published()).hasSize(1);
        assertThat(runs).hasValue(1);
    }

    /** A service whose one action waits until the test lets it finish. */
    private final class SlowService implements Service {

        @Override
        public String id() {
            return "slow";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "work";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    runs.incrementAndGet();
                    started.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return invocation.params();
                }
            });
        }
    }
}
