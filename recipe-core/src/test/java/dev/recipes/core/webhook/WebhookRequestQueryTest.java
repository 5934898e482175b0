package dev.recipes.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Query parameters and cookies as a webhook or OAuth handler reads them. */
final class WebhookRequestQueryTest {

    private static WebhookRequest get(String query, String... cookies) {
        return new WebhookRequest("GET", "/oauth/x/callback", query,
                cookies.length == 0 ? Map.of() : Map.of("Cookie", List.of(cookies)), null);
    }

    @Test
    void decodesFormEncodingStrictlyAsUtf8() {
        WebhookRequest request = get("code=a%2Bb+c&state=%C3%A9t%C3%A9&empty=&flag&x=1&x=2");

        assertThat(request.queryParameter("code")).contains("a+b c");
        assertThat(request.queryParameter("state")).contains("\u00e9t\u00e9");
        assertThat(request.queryParameter("empty")).contains("");
        assertThat(request.queryParameter("flag")).contains("");
        assertThat(request.queryParameter("missing")).isEmpty();
        assertThat(request.queryParameters("x")).containsExactly("1", "2");
    }

    @Test
    void keepsCharactersOutsideLatinWhole() {
        WebhookRequest request = get("q=%F0%9F%98%80&r=\ud83d\ude00");

        assertThat(request.queryParameter("q")).contains("\ud83d\ude00");
        assertThat(request.queryParameter("r")).contains("\ud83d\ude00");
    }

    @Test
    void aParameterGivenTwiceIsRefusedWhereOneIsExpected() {
        WebhookRequest request = get("state=a&state=b");

        assertThatThrownBy(() -> request.queryParameter("state"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("query parameter 'state' appears 2 times");
    }

    @ParameterizedTest
    @ValueSource(strings = {"code=%", "code=%2", "code=%zz", "code=%C3", "code=%FF%FE"})
    void badEscapesAreRefused(String query) {
        WebhookRequest request = get(query);

        assertThatThrownBy(() -> request.queryParameter("code"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noQueryHasNoParameters() {
        assertThat(get("").queryParameters("code")).isEmpty();
        assertThat(get(null).queryParameter("code")).isEmpty();
    }

    @Test
    void readsCookiesAcrossHeadersAndPairs() {
        WebhookRequest request = get("", "a=1; b=\"two\"", "c=3;d=");

        assertThat(request.cookie("a")).contains("1");
        assertThat(request.cookie("b")).contains("two");
        assertThat(request.cookie("c")).contains("3");
        assertThat(request.cookie("d")).contains("");
        assertThat(request.cookie("e")).isEmpty();
        assertThat(request.cookie("A")).isEmpty();
    }

    @Test
    void theFirstOfTwoCookiesWithOneNameWins() {
        assertThat(get("", "s=first; s=second").cookie("s")).contains("first");
    }

    @Test
    void aCookieNameIsNotMatchedInsideAValue() {
        assertThat(get("", "x=s=1").cookie("s")).isEmpty();
    }
}
