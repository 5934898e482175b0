package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the engine routes {@code /hooks/<service>} and the paths below it to a service's webhook
 * handler, and {@code /oauth/<service>/...} to its OAuth handler.
 */
final class WebhookRoutingTest {

    private final PathRecorder sources = new PathRecorder();
    private RecipeEngine engine;

    @BeforeEach
    void startEngine() {
        engine = RecipeEngine.builder().discoverServices(false).service(sources)
                .service(new HooksOnly()).build();
        engine.start();
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }

    private WebhookResponse post(String path) {
        return engine.webhooks().handle(WebhookRequest.post(path, Map.of(), new byte[0]));
    }

    @Test
    void serviceRootReachesItsHandler() {
        WebhookResponse response = post("/hooks/sources");

        assertThat(response.status()).isEqualTo(200);
        assertThat(sources.paths).containsExactly("/hooks/sources");
    }

    @Test
    void pathsBelowTheServiceReachItsHandlerWhole() {
        WebhookResponse one = post("/hooks/sources/billing");
        WebhookResponse two = post("/hooks/sources/billing/v2;x=1/%C3%A9t%C3%A9@2024:q");

        assertThat(List.of(one.status(), two.status())).containsOnly(200);
        assertThat(sources.paths).containsExactly("/hooks/sources/billing",
                "/hooks/sources/billing/v2;x=1/%C3%A9t%C3%A9@2024:q");
    }

    @Test
    void firstSegmentAloneNamesTheService() {
        WebhookResponse prefix = post("/hooks/sourcesx/billing");
        WebhookResponse unknown = post("/hooks/nope/billing");

        assertThat(prefix.status()).isEqualTo(404);
        assertThat(prefix.bodyText()).isEqualTo("no service 'sourcesx' takes webhooks");
        assertThat(unknown.bodyText()).isEqualTo("no service 'nope' takes webhooks");
        assertThat(sources.paths).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/hooks/", "/hooks//sources", "/hooks/sources/", "/hooks/sources//x",
        "/hooks/sources/billing/"})
    void emptySegmentsAreRefusedWith404(String path) {
        WebhookResponse response = post(path);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText()).isEqualTo("webhook path '" + path
                + "' has an empty segment (a doubled or trailing '/')");
        assertThat(sources.paths).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/hooks/sources/..", "/hooks/sources/./billing", "/hooks/..",
        "/hooks/sources/%2e%2E", "/hooks/sources/%2E/x"})
    void dotSegmentsAreRefusedWith404(String path) {
        WebhookResponse response = post(path);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText()).startsWith("webhook path '" + path + "' has a '.");
        assertThat(sources.paths).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/hooks/sources/a b", "/hooks/sources/a\\b", "/hooks/sources/\u00e9",
        "/hooks/sources/a\nb", "/hooks/sources?x", "/hooks/sources/a#b"})
    void charactersOutsideAUriPathAreRefusedWith404(String path) {
        WebhookResponse response = post(path);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText())
                .endsWith("' has a character that a URI path cannot hold");
        assertThat(sources.paths).isEmpty();
    }

    @Test
    void pathsOutsideHooksAreRefusedWith404() {
        WebhookResponse response = post("/hookssources/billing");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText()).isEqualTo("no webhook at '/hookssources/billing'");
    }

    @Test
    void otherMethodsBelowTheServiceGet405() {
        WebhookResponse response = engine.webhooks().handle(
                new WebhookRequest("PUT", "/hooks/sources/billing", "", Map.of(), null));

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers()).containsEntry("Allow", "POST");
        assertThat(sources.paths).isEmpty();
    }

    private WebhookResponse get(String pathAndQuery) {
        int question = pathAndQuery.indexOf('?');
        String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
        String query = question < 0 ? "" : pathAndQuery.substring(question + 1);
        return engine.webhooks().handle(new WebhookRequest("GET", path, query, Map.of(), null));
    }

    @Test
    void oauthPagesReachTheServicesOAuthHandlerWithTheirQuery() {
        WebhookResponse start = get("/oauth/sources/start");
        WebhookResponse callback = get("/oauth/sources/callback?code=c%2B1&state=s");

        assertThat(start.status()).isEqualTo(302);
        assertThat(callback.status()).isEqualTo(302);
        assertThat(sources.oauthPaths).containsExactly("/oauth/sources/start",
                "/oauth/sources/callback?code=c%2B1&state=s");
        assertThat(sources.paths).isEmpty();
    }

    @Test
    void oauthPagesTakeGetOnly() {
        WebhookResponse response = post("/oauth/sources/callback");

        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers()).containsEntry("Allow", "GET");
        assertThat(response.bodyText()).isEqualTo("OAuth requests take GET, not POST");
        assertThat(sources.oauthPaths).isEmpty();
    }

    @Test
    void webhooksDoNotReachTheOAuthHandlerNorTheReverse() {
        WebhookResponse hookAsGet = get("/hooks/sources/start");
        WebhookResponse noOauth = get("/oauth/hooksonly/start");

        assertThat(hookAsGet.status()).isEqualTo(405);
        assertThat(noOauth.status()).isEqualTo(404);
        assertThat(noOauth.bodyText()).isEqualTo("no service 'hooksonly' takes OAuth requests");
        assertThat(sources.oauthPaths).isEmpty();
        assertThat(sources.paths).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/oauth/", "/oauth/sources/", "/oauth/sources//start",
        "/oauth/sources/..", "/oauth/sources/%2e%2e/x", "/oauth/sources/a b"})
    void badOAuthPathsAreRefusedWith404(String path) {
        WebhookResponse response = get(path);

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.bodyText()).startsWith("OAuth request path '" + path + "' has ");
        assertThat(sources.oauthPaths).isEmpty();
    }

    @Test
    void oauthPagesGet503WhileTheEngineIsNotRunning() {
        engine.close();

        WebhookResponse response = get("/oauth/sources/start");

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.headers()).containsEntry("Retry-After", "1");
        assertThat(sources.oauthPaths).isEmpty();
    }

    @Test
    void aFailingOAuthHandlerGets500WithoutItsMessage() {
        WebhookResponse response = get("/oauth/sources/crash");

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.bodyText()).isEqualTo("service 'sources' failed");
    }

    /** A service that takes webhooks and OAuth pages and records the path of each. */
    private static final class PathRecorder implements Service {

        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<String> oauthPaths = new CopyOnWriteArrayList<>();

        @Override
        public Optional<WebhookHandler> oauth() {
            return Optional.of(request -> {
                if (request.path().endsWith("/crash")) {
                    throw new IllegalStateException("secret detail");
                }
                oauthPaths.add(request.path()
                        + (request.query().isEmpty() ? "" : "?" + request.query()));
                return WebhookResponse.status(302).withHeader("Location", "https://x.invalid/");
            });
        }

        @Override
        public String id() {
            return "sources";
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(request -> {
                paths.add(request.path());
                return WebhookResponse.ok();
            });
        }
    }

    /** A service that takes webhooks only. */
    private static final class HooksOnly implements Service {

        @Override
        public String id() {
            return "hooksonly";
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(request -> WebhookResponse.ok());
        }
    }
}
