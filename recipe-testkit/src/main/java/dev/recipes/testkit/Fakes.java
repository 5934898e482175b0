package dev.recipes.testkit;

import dev.recipes.core.Connection;
import dev.recipes.core.Secret;
import dev.recipes.testkit.http.FakeHttpServer;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.FakeSlackApi;
import dev.recipes.testkit.slack.SlackSimulator;
import dev.recipes.testkit.standardwebhooks.StandardWebhooksSimulator;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The fakes every {@link TestEngine} can start by type, and how each is started, wired into
 * the engine and closed: the one place a new kind of built-in fake is added. Tests add their
 * own with {@link TestEngine#register(FakeFactory)} or {@code @RecipeTest(fakes = ...)}.
 */
final class Fakes {

    /** The configuration key of the Slack service's signing secret. */
    static final String SLACK_SIGNING_SECRET = "slack.signing-secret";
    /** The configuration key of the Google Sheets API's base URL. */
    static final String SHEETS_API_URL = "google-sheets.api-url";
    /** The configuration key of Google's OAuth 2.0 token endpoint. */
    static final String SHEETS_TOKEN_URL = "google-sheets.token-url";
    /** The configuration key listing the generic webhook service's sources. */
    static final String WEBHOOK_SOURCES = "webhook.sources";

    private static final SecureRandom RANDOM = new SecureRandom();

    private Fakes() {
    }

    /** Returns a new factory of each built-in fake. */
    static List<FakeFactory<?>> builtIn() {
        return List.of(new SheetsFactory(), new SlackFactory(), new SlackApiFactory(),
                new StandardWebhooksFactory(),
                FakeFactory.of(FakeHttpServer.class, engine -> FakeHttpServer.start()));
    }

    /**
     * A fake Google Sheets API and token endpoint on the engine's clock; the engine calls it,
     * and acts as a service account registered with it, as connection {@code default}.
     */
    private static final class SheetsFactory implements FakeFactory<FakeSheetsServer> {

        @Override
        public Class<FakeSheetsServer> type() {
            return FakeSheetsServer.class;
        }

        @Override
        public FakeSheetsServer start(TestEngine engine) {
            FakeSheetsServer sheets = FakeSheetsServer.builder().clock(engine.clock()).start();
            try {
                engine.config(SHEETS_API_URL, sheets.apiUrl());
                engine.config(SHEETS_TOKEN_URL, sheets.tokenUrl());
                engine.connection(sheets.newServiceAccount().connection());
                return sheets;
            } catch (RuntimeException e) {
                sheets.close();
                throw e;
            }
        }
    }

    /**
     * A Slack simulator on the engine's clock that delivers to the engine in-process, signing
     * with a secret made for the test that the engine is configured with.
     */
    private static final class SlackFactory implements FakeFactory<SlackSimulator> {

        @Override
        public Class<SlackSimulator> type() {
            return SlackSimulator.class;
        }

        @Override
        public SlackSimulator start(TestEngine engine) {
            byte[] random = new byte[16];
            RANDOM.nextBytes(random);
            Secret secret = Secret.of("test-signing-secret-" + HexFormat.of().formatHex(random));
            engine.config(SLACK_SIGNING_SECRET, secret.reveal());
            return SlackSimulator.of(secret, engine.clock()).withTarget(engine.webhooks());
        }
    }

    /**
     * A fake Slack Web API on the engine's clock that the Slack service's actions call, with
     * its {@code response_url}s allowed, acting as connection {@code slack}/{@code default}
     * whose bot token is registered with it.
     */
    private static final class SlackApiFactory implements FakeFactory<FakeSlackApi> {

        @Override
        public Class<FakeSlackApi> type() {
            return FakeSlackApi.class;
        }

        @Override
        public FakeSlackApi start(TestEngine engine) {
            FakeSlackApi api = FakeSlackApi.start(engine.clock());
            try {
                engine.config("slack.api-url", api.apiUrl());
                engine.config("slack.response-url-prefixes", api.responseUrlPrefix());
                engine.connection(Connection.builder("slack", "default")
                        .secret("bot-token", api.newBotToken())
                        .build());
                return api;
            } catch (RuntimeException e) {
                api.close();
                throw e;
            }
        }
    }

    /**
     * A Standard Webhooks sender for the generic {@code webhook} service's source
     * {@value StandardWebhooksSimulator#DEFAULT_SOURCE}, on the engine's clock, delivering
     * in-process and signing with a {@code whsec_} secret made for the test that the source is
     * configured with.
     */
    private static final class StandardWebhooksFactory
            implements FakeFactory<StandardWebhooksSimulator> {

        @Override
        public Class<StandardWebhooksSimulator> type() {
            return StandardWebhooksSimulator.class;
        }

        @Override
        public StandardWebhooksSimulator start(TestEngine engine) {
            String source = StandardWebhooksSimulator.DEFAULT_SOURCE;
            Secret secret = StandardWebhooksSimulator.newSecret();
            engine.config(WEBHOOK_SOURCES, source);
            engine.config("webhook." + source + ".secrets", secret.reveal());
            return StandardWebhooksSimulator.of(secret)
                    .withClock(engine.clock())
                    .withTarget(engine.webhooks());
        }
    }
}
