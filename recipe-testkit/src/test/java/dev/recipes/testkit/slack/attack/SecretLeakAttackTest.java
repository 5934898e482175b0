package dev.recipes.testkit.slack.attack;

import static dev.recipes.testkit.slack.attack.InstallRig.awaitIdle;
import static dev.recipes.testkit.slack.attack.InstallRig.browser;
import static dev.recipes.testkit.slack.attack.InstallRig.captureStandardError;
import static dev.recipes.testkit.slack.attack.InstallRig.get;
import static dev.recipes.testkit.slack.attack.InstallRig.order;
import static dev.recipes.testkit.slack.attack.InstallRig.orders;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.RecipeEngine;
import dev.recipes.testkit.slack.FakeSlackApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secrets of the install and of rotation (the client secret, codes, bot tokens, refresh
 * tokens) must not show in logs, answer pages, dead letters, exception messages or
 * {@code toString()}; and text from Slack's answers must not forge log lines.
 */
final class SecretLeakAttackTest {

    private InstallRig rig;
    private RecipeEngine engine;

    @BeforeEach
    void start() {
        rig = new InstallRig();
        rig.slack.rotateTokens(Duration.ofHours(12));
        engine = rig.engine(orders("t0test001"));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private static String query(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + url);
    }

    @Test
    void noSecretShowsInLogsPagesDeadLettersOrToString() throws Exception {
        Set<String> secrets = new LinkedHashSet<>();
        secrets.add(InstallRig.CLIENT_SECRET);
        List<String> shown = new ArrayList<>();
        String log = captureStandardError(() -> {
            // an install that works
            HttpClient browser = browser();
            HttpResponse<String> start = get(browser, rig.base() + "/oauth/slack/start");
            shown.add(start.headers().map().toString());
            String callback = InstallRig.location(get(browser,
                    InstallRig.location(start)));
            secrets.add(query(callback, "code"));
            HttpResponse<String> done = get(browser, callback);
            shown.add(done.body());
            shown.add(done.headers().map().toString());
            assertThat(done.statusCode()).isEqualTo(200);

            // a code Slack refuses, and one replayed
            HttpClient other = browser();
            String refused = rig.callbackUrl(other);
            secrets.add(query(refused, "code"));
            rig.slack.failNext("invalid_code");
            shown.add(get(other, refused).body());
            shown.add(get(other, refused).body());

            // a refresh that works, one Slack fails, and one it refuses
            rig.clock.advance(Duration.ofHours(11));
            engine.publish(order("o1", "C0ONE", "one"));
            awaitIdle(engine);
            rig.clock.advance(Duration.ofHours(11));
            rig.slack.answerNext(500, "{\"ok\":false,\"error\":\"internal_error\"}");
            engine.publish(order("o2", "C0TWO", "two"));
            awaitIdle(engine);
            rig.slack.failNext("invalid_refresh_token");
            engine.publish(order("o3", "C0THREE", "three"));
            awaitIdle(engine);
        });

        for (FakeSlackApi.Install install : rig.slack.installs()) {
            secrets.add(install.botToken());
            secrets.add(install.refreshToken());
        }
        rig.slack.calls(FakeSlackApi.OAUTH_ACCESS).forEach(call -> {
            if (call.text("refresh_token") != null) {
                secrets.add(call.text("refresh_token"));
            }
        });
        Connection stored = rig.store.find("slack", "t0test001").orElseThrow();
        stored.secret("bot-token").ifPresent(token -> secrets.add(token.reveal()));
        stored.secret("refresh-token").ifPresent(token -> secrets.add(token.reveal()));
        secrets.removeIf(secret -> secret == null);
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(6);

        shown.add(stored.toString());
        shown.add(rig.store.toString());
        shown.add(engine.toString());
        for (DeadLetter letter : engine.deadLetters().list()) {
            shown.add(letter.toString());
            shown.add(letter.lastError());
        }
        assertThat(engine.deadLetters().list()).hasSize(2);
        rig.slack.calls().forEach(call -> shown.add(call.toString()));
        rig.slack.installs().forEach(install -> shown.add(install.toString()));
        shown.add(log);

        String everything = String.join("\n", shown);
        for (String secret : secrets) {
            assertThat(everything).as("where a secret could show").doesNotContain(secret);
        }
    }

    /**
     * Anyone can create a workspace and name it, then install a public app. The install logs
     * the team name, and Slack's error code, as they came, so a line break forges a log line;
     * elsewhere the Slack service escapes such text ({@code EventsApiHandler.abbreviate}).
     */
    @Test
    void teamNamesAndSlackErrorCodesAreLoggedWithRawLineBreaks() throws Exception {
        String log = captureStandardError(() -> {
            rig.install("T0EVIL001", "Evil\n2026-12-04 FORGED-LINE-ONE [main] INFO all good");
            HttpClient browser = browser();
            String callback = rig.callbackUrl(browser);
            rig.slack.answerNext(200, "{\"ok\":false,\"error\":\"bad\\nFORGED-LINE-TWO\"}");
            get(browser, callback);
        });

        assertThat(log).as("the team name").doesNotContain("\n2026-12-04 FORGED-LINE-ONE");
        assertThat(log).as("Slack's error code").doesNotContain("\nFORGED-LINE-TWO");
    }
}
