package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.junit.RecipeTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Slack service's actions end to end: a signed Slack event, the engine, and the fake Slack
 * Web API over loopback HTTP, under manual time.
 */
@RecipeTest
final class SlackActionsTest {

    private static Recipe relay() {
        return Recipe.named("relay")
                .when(Slack.message().inChannel("C0SALES"))
                .then(Slack.postMessage("C0ALERTS").textFrom("/event/text"))
                .build();
    }

    @Test
    void messageEvent_isPostedWithTheBotToken_andItsTextEscaped(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.recipe(relay());

        slack.message("C0SALES", "U0USER1", "<!channel> pay <https://x.test|here> & now").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").succeeded().hasAttempts(1)
                .hasParam("/channel", "C0ALERTS");
        FakeSlackApi.Call call = api.calls("chat.postMessage").get(0);
        assertThat(call.ok()).isTrue();
        assertThat(call.token()).startsWith("xoxb-test-");
        assertThat(call.text("text"))
                .isEqualTo("&lt;!channel&gt; pay &lt;https://x.test|here&gt; &amp; now");
        assertThat(api.messages("C0ALERTS")).singleElement()
                .satisfies(message -> assertThat(message.ts()).matches("\\d{10}\\.\\d{6}"));
    }

    @Test
    void resultTs_staysTheExactString_forTheNextStep(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        engine.recipe(threadReply());
        api.answerNext(200, "{\"ok\":true,\"channel\":\"C0ALERTS\","
                + "\"ts\":\"1700000000.000100\"}");

        slack.message("C0SALES", "U0USER1", "order #1").send();
        engine.advance(Duration.ofSeconds(1));
        engine.awaitIdle();

        assertThat(api.calls("chat.postMessage")).hasSize(2);
        assertThat(api.calls("chat.postMessage").get(1).text("thread_ts"))
                .isEqualTo("1700000000.000100");
    }

    @Test
    void resultTs_sentAsANumber_keepsEveryDigit(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        engine.recipe(threadReply());
        api.answerNext(200, "{\"ok\":true,\"channel\":\"C0ALERTS\","
                + "\"ts\":1700000000.000100}");

        slack.message("C0SALES", "U0USER1", "order #2").send();
        engine.advance(Duration.ofSeconds(1));
        engine.awaitIdle();

        assertThat(api.calls("chat.postMessage").get(1).text("thread_ts"))
                .isEqualTo("1700000000.000100");
    }

    private static Recipe threadReply() {
        return Recipe.named("thread-reply")
                .when(Trigger.onSuccess("slack", "post-message"))
                .filter(event -> !event.data().at("/params/thread_ts").isTextual())
                .then(Slack.postMessage("C0ALERTS").text("on it")
                        .threadTsFrom("/result/ts"))
                .build();
    }

    @Test
    void retryableError_isTriedAgain_andSucceeds(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        api.failNext("internal_error");

        slack.message("C0SALES", "U0USER1", "order #3").send();
        engine.awaitQuiet();
        engine.assertThatAction("slack", "post-message").isWaitingToRetry()
                .hasErrorContaining("'internal_error'");
        engine.advance(Duration.ofSeconds(10));
        engine.awaitIdle();

        // Attempts held back by the rate limiter count too, so only the calls are exact.
        engine.assertThatAction("slack", "post-message").succeeded();
        assertThat(api.calls("chat.postMessage")).extracting(FakeSlackApi.Call::error)
                .containsExactly("internal_error", null);
        assertThat(api.messages("C0ALERTS")).hasSize(1);
    }

    @Test
    void permanentError_deadLettersAtOnce(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        api.failNext("not_in_channel");

        slack.message("C0SALES", "U0USER1", "order #4").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed().hasAttempts(1)
                .hasErrorContaining("'not_in_channel'")
                .hasErrorContaining("invite the bot");
        engine.assertThatDeadLetters().single()
                .hasReason(DeadLetter.Reason.PERMANENT_FAILURE)
                .hasParam("/channel", "C0ALERTS");
        assertThat(api.messages("C0ALERTS")).isEmpty();
        assertThat(engine.deadLetters().get(0).lastError()).doesNotContain("xoxb");
    }

    @Test
    void connectionWithoutBotToken_failsPermanently_namingTheSecret(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.connection(Connection.builder("slack", "other").setting("team", "T0").build());
        engine.recipe(Recipe.named("as-other")
                .when(Slack.message())
                .then(Slack.postMessage("C0ALERTS").text("hi").as("other"))
                .build());

        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed()
                .hasErrorContaining("connection 'other' has no secret 'bot-token'");
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void tokenWithALineBreak_failsPermanently_withoutShowingIt(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.connection(Connection.builder("slack", "from-file")
                .secret("bot-token", "xoxb-TOPSECRET-123\n").build());
        engine.recipe(Recipe.named("as-file")
                .when(Slack.message())
                .then(Slack.postMessage("C0ALERTS").text("hi").as("from-file"))
                .build());

        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed().hasAttempts(1)
                .hasErrorContaining("holds a space, line break or other control character");
        assertThat(engine.deadLetters().get(0).lastError()).doesNotContain("TOPSECRET");
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void unknownToken_isInvalidAuth_andPermanent(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.connection(Connection.builder("slack", "stale")
                .secret("bot-token", "xoxb-revoked-long-ago").build());
        engine.recipe(Recipe.named("as-stale")
                .when(Slack.message())
                .then(Slack.postMessage("C0ALERTS").text("hi").as("stale"))
                .build());

        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed().hasAttempts(1)
                .hasErrorContaining("'invalid_auth'")
                .hasErrorContaining("check the connection's bot token");
        assertThat(engine.deadLetters().get(0).lastError()).doesNotContain("xoxb-revoked");
    }

    @Test
    void unknownErrorCode_isPermanent_andNamed(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        api.failNext("brand_new_problem");

        slack.message("C0SALES", "U0USER1", "order #5").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed()
                .hasErrorContaining("'brand_new_problem'");
    }

    @Test
    void rateLimited_waitsForRetryAfter(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        api.rateLimitNext(30);

        slack.message("C0SALES", "U0USER1", "order #6").send();
        engine.awaitQuiet();
        engine.assertThatAction("slack", "post-message")
                .isWaitingToRetryIn(Duration.ofSeconds(30))
                .hasErrorContaining("429");
        engine.advance(Duration.ofSeconds(29));
        assertThat(api.calls("chat.postMessage")).hasSize(1);
        engine.advance(Duration.ofSeconds(1));
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").succeeded().hasAttempts(2);
        assertThat(api.calls("chat.postMessage").get(1).at())
                .isEqualTo(TestEngine.DEFAULT_START.plusSeconds(30));
    }

    @Test
    void serverError_isRetryable(TestEngine engine, SlackSimulator slack, FakeSlackApi api) {
        engine.recipe(relay());
        api.answerNext(503, "{}");

        slack.message("C0SALES", "U0USER1", "order #7").send();
        engine.advance(Duration.ofSeconds(10));
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").succeeded();
        assertThat(api.calls("chat.postMessage")).extracting(FakeSlackApi.Call::status)
                .containsExactly(503, 200);
    }

    @Test
    void noAnswerInTime_isRetryable(TestEngine engine, SlackSimulator slack, FakeSlackApi api) {
        engine.config("slack.request-timeout", "PT0.2S");
        engine.recipe(relay());
        api.delayNext(Duration.ofSeconds(3));

        slack.message("C0SALES", "U0USER1", "order #8").send();
        engine.awaitQuiet();

        engine.assertThatAction("slack", "post-message").isWaitingToRetry()
                .hasErrorContaining("no answer from 'http://127.0.0.1:");
    }

    @Test
    void badSettings_stopTheEngineFromStarting(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.config("slack.request-timeout", "soon");

        assertThatThrownBy(engine::start)
                .hasMessageContaining("config 'slack.request-timeout': 'soon' is not a "
                        + "duration");
    }

    @Test
    void burstToOneChannel_goesOutAtLeastOneSecondApart(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.retryPolicy(RetryPolicy.custom().initialBackoff(Duration.ofMillis(10)).build());
        engine.recipe(relay());

        for (int i = 1; i <= 5; i++) {
            slack.message("C0SALES", "U0USER1", "burst " + i).send();
        }
        engine.advance(Duration.ofSeconds(5));
        engine.awaitIdle();

        engine.assertThatActions().hasSize(5).allSucceeded();
        List<Instant> sent = api.calls("chat.postMessage").stream()
                .map(FakeSlackApi.Call::at).toList();
        assertThat(sent).hasSize(5);
        for (int i = 1; i < sent.size(); i++) {
            assertThat(Duration.between(sent.get(i - 1), sent.get(i)))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
        assertThat(engine.actions()).allSatisfy(action ->
                assertThat(action.attempts()).isLessThanOrEqualTo(2));
    }

    @Test
    void postsToOtherChannels_areNotHeldBack(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(Recipe.named("echo")
                .when(Slack.message())
                .then(Slack.postMessage(Mapping.pointer("/event/channel")).text("seen"))
                .build());

        slack.message("C0ONE", "U0USER1", "a").send();
        slack.message("C0TWO", "U0USER1", "b").send();
        engine.awaitIdle();

        engine.assertThatActions().hasSize(2).allSucceeded();
        assertThat(api.messages("C0ONE")).hasSize(1);
        assertThat(api.messages("C0TWO")).hasSize(1);
    }

    @Test
    void updateAndReaction_actOnThePostedMessage(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(relay());
        engine.recipe(Recipe.named("edit")
                .when(Trigger.onSuccess("slack", "post-message"))
                .then(ActionStep.of("slack", "update-message")
                        .pointer("channel", "/result/channel")
                        .pointer("ts", "/result/ts")
                        .constant("text", "edited")
                        .build())
                .then(ActionStep.of("slack", "add-reaction")
                        .pointer("channel", "/result/channel")
                        .pointer("timestamp", "/result/ts")
                        .constant("name", ":eyes:")
                        .build())
                .build());

        slack.message("C0SALES", "U0USER1", "original").send();
        engine.awaitIdle();

        engine.assertThatActions().hasSize(3).allSucceeded();
        assertThat(api.messages("C0ALERTS")).singleElement()
                .satisfies(message -> assertThat(message.text()).isEqualTo("edited"));
        assertThat(api.calls("reactions.add")).singleElement()
                .satisfies(call -> assertThat(call.text("name")).isEqualTo("eyes"));
    }

    @Test
    void reactionAlreadyThere_countsAsDone(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(Recipe.named("react")
                .when(Slack.message())
                .then(ActionStep.of("slack", "add-reaction")
                        .constant("channel", "C0SALES")
                        .pointer("timestamp", "/event/ts")
                        .constant("name", "eyes")
                        .build())
                .build());
        api.failNext("already_reacted");

        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "add-reaction").succeeded().hasAttempts(1);
    }

    @Test
    void missingText_failsPermanently_beforeAnyCall(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(Recipe.named("bare")
                .when(Slack.message())
                .then(ActionStep.of("slack", "post-message").constant("channel", "C0X").build())
                .build());

        slack.message("C0SALES", "U0USER1", "hello").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "post-message").failed()
                .hasErrorContaining("give parameter 'text' or 'blocks'");
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void respond_postsToTheResponseUrl_withoutAToken(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(respondRecipe());
        String url = api.newResponseUrl();

        engine.publish(command(url));
        engine.awaitIdle();

        engine.assertThatAction("slack", "respond").succeeded();
        FakeSlackApi.Call call = api.calls(FakeSlackApi.RESPONSE_URL).get(0);
        assertThat(call.token()).isNull();
        assertThat(call.text("text")).isEqualTo("done");
        assertThat(call.text("response_type")).isEqualTo("ephemeral");
    }

    @Test
    void respond_refusesUrlsOutsideSlackAndTheAllowedPrefix(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.recipe(respondRecipe());
        String base = api.responseUrlPrefix().replace("/response/", "");
        List<String> forged = List.of(
                base + "/api/chat.postMessage",
                api.responseUrlPrefix() + "../api/chat.postMessage",
                api.responseUrlPrefix() + "%2e%2e/api/chat.postMessage",
                base.replace("http://", "http://user@") + "/response/x",
                "ftp://127.0.0.1/response/x",
                "not a url");

        for (String url : forged) {
            engine.publish(command(url));
        }
        engine.awaitIdle();

        engine.assertThatActions().hasSize(forged.size());
        assertThat(engine.actions()).allSatisfy(action -> assertThat(action.lastError())
                .hasValueSatisfying(error -> assertThat(error).contains("response_url")));
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void respond_toASimulatedSlashCommandsUrl_neverLeavesTheMachine(TestEngine engine,
            SlackSimulator slack, FakeSlackApi api) {
        engine.recipe(Recipe.named("deploy-reply")
                .when(Slack.slashCommand("/deploy"))
                .then(ActionStep.of("slack", "respond")
                        .pointer("response_url", "/response_url")
                        .constant("text", "deploying")
                        .build())
                .build());

        slack.slashCommand("/deploy", "prod").send();
        engine.awaitIdle();

        engine.assertThatAction("slack", "respond").failed().hasAttempts(1)
                .hasErrorContaining("https://hooks.slack.com.invalid/...");
        assertThat(api.calls()).isEmpty();
    }

    @Test
    void respond_toAUsedUpUrl_failsPermanently(TestEngine engine, SlackSimulator slack,
            FakeSlackApi api) {
        engine.recipe(respondRecipe());
        String url = api.newResponseUrl();

        for (int i = 0; i < 6; i++) {
            engine.publish(command(url));
        }
        engine.awaitIdle();

        assertThat(engine.deadLetters()).singleElement()
                .satisfies(letter -> assertThat(letter.lastError()).contains("404"));
        assertThat(api.calls(FakeSlackApi.RESPONSE_URL)).hasSize(6);
    }

    private static Recipe respondRecipe() {
        return Recipe.named("answer")
                .when(Trigger.of("test.command"))
                .then(ActionStep.of("slack", "respond")
                        .pointer("response_url", "/response_url")
                        .constant("text", "done")
                        .constant("response_type", "ephemeral")
                        .build())
                .build();
    }

    private static Event command(String responseUrl) {
        ObjectNode data = JsonNodeFactory.instance.objectNode().put("response_url", responseUrl);
        return Event.builder("test.command").id("cmd-" + UUID.randomUUID()).source("/test")
                .data(data).build();
    }
}
