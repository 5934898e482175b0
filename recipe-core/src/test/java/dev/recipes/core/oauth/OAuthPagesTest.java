package dev.recipes.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.webhook.WebhookResponse;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The answers of OAuth pages: escaped pages, redirects, query strings and state cookies. */
final class OAuthPagesTest {

    @Test
    void aPageEscapesEveryTextAndForbidsLoadingAnything() {
        WebhookResponse page = OAuthPages.page(400, "Acme <x>", "Not \"installed\"",
                "Team <script>alert('x')</script> & co");

        assertThat(page.status()).isEqualTo(400);
        assertThat(page.bodyText()).contains("<title>Acme &lt;x&gt;: Not &quot;installed&quot;")
                .contains("Team &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co")
                .doesNotContain("<script>");
        assertThat(page.headers()).containsEntry("Content-Type", "text/html; charset=utf-8")
                .containsEntry("Cache-Control", "no-store")
                .containsEntry("Content-Security-Policy", "default-src 'none'")
                .containsEntry("X-Content-Type-Options", "nosniff");
    }

    @Test
    void queryParametersAreFormEncodedAfterAnyExistingQuery() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("scope", "a b,c");
        query.put("state", "x&y=z");

        assertThat(OAuthPages.withQuery("https://p.example/auth", query))
                .isEqualTo("https://p.example/auth?scope=a+b%2Cc&state=x%26y%3Dz");
        assertThat(OAuthPages.withQuery("https://p.example/auth?v=2", query))
                .isEqualTo("https://p.example/auth?v=2&scope=a+b%2Cc&state=x%26y%3Dz");
        assertThat(OAuthPages.withQuery("https://p.example/auth", Map.of()))
                .isEqualTo("https://p.example/auth");
    }

    @Test
    void aRedirectIsNotCachedAndMaySetACookie() {
        WebhookResponse plain = OAuthPages.redirect("https://p.example/", null);
        WebhookResponse withCookie = OAuthPages.redirect("https://p.example/", "n=v");

        assertThat(plain.status()).isEqualTo(302);
        assertThat(plain.headers()).containsEntry("Location", "https://p.example/")
                .containsEntry("Cache-Control", "no-store").doesNotContainKey("Set-Cookie");
        assertThat(withCookie.headers()).containsEntry("Set-Cookie", "n=v");
    }

    @Test
    void theStateCookieIsSecureOnlyWhenTheFlowReturnsOverHttps() {
        String https = OAuthPages.stateCookie("s", "nonce", "/oauth/x/", 600,
                URI.create("https://app.example/oauth/x/callback"));
        String local = OAuthPages.stateCookie("s", "", "/oauth/x/", 0,
                URI.create("http://127.0.0.1:8080/oauth/x/callback"));

        assertThat(https).isEqualTo("s=nonce; Path=/oauth/x/; Max-Age=600; HttpOnly; "
                + "SameSite=Lax; Secure");
        assertThat(local).isEqualTo("s=; Path=/oauth/x/; Max-Age=0; HttpOnly; SameSite=Lax");
    }
}
