package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which {@code response_url}s the {@code respond} action posts to; nothing is sent here. */
final class ResponseUrlPolicyTest {

    private static final List<URI> PREFIXES = List.of(
            URI.create("http://127.0.0.1:8089/response/"));

    @ParameterizedTest
    @ValueSource(strings = {
        "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN",
        "https://hooks.slack.com:443/actions/T1/2/abc",
        "HTTPS://HOOKS.SLACK.COM/commands/T1/2/abc",
        "http://127.0.0.1:8089/response/T0TEST001/1/abc"})
    void slackAndConfiguredUrls_areAllowed(String url) {
        assertThat(SlackWebApi.allowed(URI.create(url), PREFIXES)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "http://hooks.slack.com/commands/T1/2/abc",
        "https://hooks.slack.com:8443/commands/T1/2/abc",
        "https://hooks.slack.com.example.test/commands/T1/2/abc",
        "https://example.test/hooks.slack.com/commands",
        "https://user@hooks.slack.com/commands/T1/2/abc",
        "https://hooks.slack.com/commands/T1/2/abc#x",
        "https://hooks.slack.com/commands/../../other",
        "http://127.0.0.1:8089/api/chat.postMessage",
        "http://127.0.0.1:8089/response/../api/chat.postMessage",
        "http://127.0.0.1:8089/response/%2E%2E/api/chat.postMessage",
        "http://127.0.0.1:8090/response/x",
        "https://127.0.0.1:8089/response/x",
        "http://localhost:8089/response/x",
        "/response/x"})
    void everythingElse_isRefused(String url) {
        assertThat(SlackWebApi.allowed(URI.create(url), PREFIXES)).isFalse();
    }
}
