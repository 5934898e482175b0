package dev.recipes.testkit.slack.attack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.slack.SlackService;
import org.junit.jupiter.api.Test;

/**
 * The install's URLs must be https, or plain http on a loopback host only, since the code and
 * the cookie travel there. No request is made: the engine is only started.
 */
final class OAuthConfigAttackTest {

    private static RecipeEngine engine(String redirectUri) {
        return RecipeEngine.builder().discoverServices(false)
                .service(SlackService.withSigningSecret(Secret.of("signing")))
                .config("slack.client-id", "1111.2222")
                .config("slack.client-secret", "secret")
                .config("slack.oauth-scopes", "chat:write")
                .config("slack.oauth-redirect-uri", redirectUri)
                .build();
    }

    /**
     * The loopback test is {@code host.startsWith("127.")}, so a DNS name such as
     * {@code 127.example.com} passes for loopback and the code and cookie would travel in
     * plain http to another machine. ({@code SlackWebApi.isLoopback} has the same test, where
     * it only silences the plain-http warning for {@code slack.api-url}.)
     */
    @Test
    void plainHttpToAnyHostWhoseNameStartsWith127IsTakenAsLoopback() {
        for (String uri : new String[] {"http://127.example.com/oauth/slack/callback",
                "http://127.0.0.1.nip.io/oauth/slack/callback"}) {
            RecipeEngine engine = engine(uri);
            try {
                assertThatThrownBy(engine::start).as(uri)
                        .hasMessageContaining("slack.oauth-redirect-uri");
            } finally {
                engine.close();
            }
        }
    }

    @Test
    void plainHttpToAnotherHostIsRefused() {
        RecipeEngine engine = engine("http://recipes.example.com/oauth/slack/callback");
        try {
            assertThatThrownBy(engine::start).hasMessageContaining("slack.oauth-redirect-uri");
        } finally {
            engine.close();
        }
    }
}
