package dev.recipes.testkit.slack.attack;

import static dev.recipes.testkit.slack.attack.InstallRig.awaitIdle;
import static dev.recipes.testkit.slack.attack.InstallRig.order;
import static dev.recipes.testkit.slack.attack.InstallRig.orders;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.slack.Slack;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.slack.FakeSlackApi;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token rotation under pressure: concurrent refreshes in one engine and in two engines sharing
 * one connection store, a refresh Slack fails, a claim left by a dead engine, and engines
 * whose clocks disagree. Slack's refresh tokens work once, so a second refresh with the same
 * token is refused: the tests count refreshes at the fake and look for dead letters.
 */
final class TokenRotationAttackTest {

    private static final String CLAIM = "token-refresh-claim";

    private InstallRig rig;

    @BeforeEach
    void start() {
        rig = new InstallRig();
        rig.slack.rotateTokens(Duration.ofHours(12));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private void installAndAge(Duration age) throws Exception {
        assertThat(rig.install("T0TEST001", "Test").statusCode()).isEqualTo(200);
        rig.clock.advance(age);
    }

    private Connection stored() {
        return rig.store.find("slack", "t0test001").orElseThrow();
    }

    private void awaitClaim() throws InterruptedException {
        long giveUp = System.nanoTime() + InstallRig.WAIT.toNanos();
        while (stored().setting(CLAIM).isEmpty()) {
            assertThat(System.nanoTime() - giveUp).as("a refresh claim appears").isNegative();
            Thread.sleep(5);
        }
    }

    private static Connection withSetting(Connection base, String name, String value) {
        Map<String, String> settings = new LinkedHashMap<>(base.settings());
        settings.put(name, value);
        return new Connection(base.service(), base.id(), settings, base.secrets());
    }

    @Test
    void concurrentActionsInOneEngineShareOneRefresh() throws Exception {
        // Two recipes, so that two action threads need the token at once; each posts to
        // channels of its own, which Slack's per-channel pacing would otherwise hold back.
        Recipe copy = Recipe.named("orders-copy").when(Trigger.of("shop.order"))
                .then(Slack.postMessage(Mapping.pointer("/copy")).text("copy").as("t0test001"))
                .build();
        RecipeEngine engine = rig.engine(orders("t0test001"), copy);
        installAndAge(Duration.ofHours(11));
        rig.slack.delayNext(Duration.ofMillis(300));   // widens the window of the refresh
        for (int i = 0; i < 6; i++) {
            engine.publish(Event.builder("shop.order").id("o" + i)
                    .data(InstallRig.JSON.createObjectNode().put("channel", "C0CHAN" + i)
                            .put("text", "order " + i).put("copy", "C0COPY" + i))
                    .build());
        }
        awaitIdle(engine);

        assertThat(rig.refreshCalls()).isEqualTo(1);
        assertThat(engine.deadLetters().list()).isEmpty();
        String fresh = rig.slack.botTokenOf("T0TEST001").orElseThrow();
        assertThat(rig.slack.calls("chat.postMessage")).hasSize(12)
                .allSatisfy(call -> assertThat(call.token()).isEqualTo(fresh))
                .allMatch(FakeSlackApi.Call::ok);
        assertThat(stored().setting(CLAIM)).isEmpty();
    }

    @Test
    void twoEnginesSharingAStoreRefreshOnceWhenBothNeedItAtOnce() throws Exception {
        RecipeEngine first = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        RecipeEngine second = rig.engine(rig.clock, rig.store, builder -> { },
                orders("t0test001"));
        rig.slack.delayNext(Duration.ofMillis(500));
        first.publish(order("a1", "C0FIRST", "from the first"));
        second.publish(order("b1", "C0SECOND", "from the second"));
        awaitIdle(first);
        awaitIdle(second);

        assertThat(rig.refreshCalls()).isEqualTo(1);
        assertThat(first.deadLetters().list()).isEmpty();
        assertThat(second.deadLetters().list()).isEmpty();
        assertThat(rig.slack.messages("C0FIRST")).hasSize(1);
        assertThat(rig.slack.messages("C0SECOND")).hasSize(1);
    }

    @Test
    void aRefreshSlackFailsReleasesTheClaimAndTheNextActionRefreshes() throws Exception {
        RecipeEngine engine = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        String installed = stored().secret("refresh-token").orElseThrow().reveal();
        rig.slack.answerNext(503, "{\"ok\":false,\"error\":\"service_unavailable\"}");
        engine.publish(order("o1", "C0ONE", "first"));
        awaitIdle(engine);

        assertThat(engine.deadLetters().list()).singleElement()
                .satisfies(letter -> assertThat(letter.reason())
                        .isEqualTo(DeadLetter.Reason.RETRIES_EXHAUSTED));
        assertThat(stored().setting(CLAIM)).isEmpty();
        assertThat(stored().secret("refresh-token").orElseThrow().reveal()).isEqualTo(installed);

        engine.publish(order("o2", "C0TWO", "second"));
        awaitIdle(engine);
        assertThat(rig.slack.messages("C0TWO")).hasSize(1);
        assertThat(stored().secret("refresh-token").orElseThrow().reveal())
                .isNotEqualTo(installed);
    }

    @Test
    void aClaimLeftByADeadEngineIsTakenOverAClaimLengthAfterThisEngineFirstSawIt()
            throws Exception {
        RecipeEngine engine = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        rig.store.put(withSetting(stored(), CLAIM,
                "dead-engine " + rig.clock.instant().plusSeconds(30)));
        engine.publish(order("o1", "C0ONE", "after the dead engine"));
        awaitIdleMovingTheClock(engine);

        assertThat(rig.refreshCalls()).isEqualTo(1);
        assertThat(rig.slack.messages("C0ONE")).hasSize(1);
        assertThat(stored().setting(CLAIM)).isEmpty();
    }

    @Test
    void anUnreadableClaimOrExpiryCountsAsPastAndIsRefreshed() throws Exception {
        RecipeEngine engine = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(1));
        rig.store.put(withSetting(withSetting(stored(), CLAIM, "no-instant-here"),
                "token-expires-at", "tomorrow\r\nFAKE LOG LINE"));
        engine.publish(order("o1", "C0ONE", "x"));
        awaitIdleMovingTheClock(engine);

        assertThat(rig.refreshCalls()).isEqualTo(1);
        assertThat(rig.slack.messages("C0ONE")).hasSize(1);
    }

    // A claim this engine did not write is held for a claim's length (30 s) of this engine's
    // clock from when it first saw it; the clock moves on while the action waits for it.
    private void awaitIdleMovingTheClock(RecipeEngine engine) throws InterruptedException {
        for (int i = 0; i < 100 && !engine.awaitIdle(Duration.ofMillis(200)); i++) {
            rig.clock.advance(Duration.ofSeconds(31));
        }
        awaitIdle(engine);
    }

    /**
     * A refresh answered with an {@code expires_in} no {@code Instant} can hold throws an
     * {@code ArithmeticException} past the refresh's handling of bad answers: the action fails
     * as an unclassified exception ("threw java.lang.ArithmeticException", an ERROR with a
     * stack trace) instead of saying that Slack's answer cannot be used.
     */
    @Test
    void anOutOfRangeExpiresInOnARefreshFailsTheActionUnclassified() throws Exception {
        RecipeEngine engine = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        rig.slack.answerNext(200, "{\"ok\":true,\"access_token\":\"xoxe.xoxb-1-new\","
                + "\"refresh_token\":\"xoxe-1-new\",\"expires_in\":9223372036854775807}");
        engine.publish(order("o1", "C0ONE", "x"));
        awaitIdle(engine);

        assertThat(engine.deadLetters().list()).singleElement()
                .satisfies(letter -> assertThat(letter.lastError())
                        .doesNotContain("threw java.lang")
                        .contains("cannot be used"));
    }

    /**
     * A workspace reinstalls the app (for example to grant a new scope) while a refresh of its
     * old tokens is in flight. The refresh then finds its claim replaced and stores its result
     * with {@code put} anyway, over the new install: the connection goes back to the old
     * install's settings and the new install's refresh token is lost.
     */
    @Test
    void aRefreshInFlightOverwritesAReinstallThatHappenedMeanwhile() throws Exception {
        RecipeEngine engine = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        rig.slack.delayNext(Duration.ofSeconds(2));
        engine.publish(order("o1", "C0ONE", "during the reinstall"));
        awaitClaim();
        rig.clock.advance(Duration.ofSeconds(1));
        assertThat(rig.install("T0TEST001", "Test").statusCode()).isEqualTo(200);
        String reinstalledAt = rig.clock.instant().toString();
        String newRefreshToken = rig.slack.installs().get(1).refreshToken();
        awaitIdle(engine);

        Connection now = stored();
        assertThat(now.setting("installed-at")).as("installed-at of the stored connection")
                .contains(reinstalledAt);
        assertThat(now.secret("refresh-token").orElseThrow().reveal())
                .as("the reinstall's refresh token is still stored").isEqualTo(newRefreshToken);
    }

    /**
     * Engine B's clock runs 40 seconds ahead of engine A's, well inside what unsynchronised
     * hosts drift. A claims the refresh until its own now + 30 s, which B reads as expired, so
     * B spends the same single-use refresh token while A's call is in flight; Slack refuses
     * the second one and that engine's action is dead-lettered with "install the app again",
     * though the connection holds good tokens.
     */
    @Test
    void refreshClaimIsReadOnAnotherEnginesClockSoSkewDoublesTheRefreshAndDeadLetters()
            throws Exception {
        RecipeEngine first = rig.engine(orders("t0test001"));
        installAndAge(Duration.ofHours(11));
        MutableClock ahead = new MutableClock(rig.clock.instant().plusSeconds(40));
        RecipeEngine second = rig.engine(ahead, rig.store, builder -> { }, orders("t0test001"));
        rig.serve(first);

        rig.slack.delayNext(Duration.ofSeconds(2));
        first.publish(order("a1", "C0FIRST", "from the first"));
        awaitClaim();
        second.publish(order("b1", "C0SECOND", "from the second"));
        awaitIdle(first);
        awaitIdle(second);

        assertThat(first.deadLetters().list()).as("dead letters of the first engine")
                .isEmpty();
        assertThat(second.deadLetters().list()).isEmpty();
        assertThat(rig.refreshCalls()).as("refreshes at Slack").isEqualTo(1);
    }
}
