package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class SlackErrorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"ratelimited", "rate_limited", "internal_error", "fatal_error",
            "service_unavailable", "request_timeout"})
    void transientCodes_areRetryable(String code) {
        assertThat(SlackErrors.retryable(code)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"channel_not_found", "not_in_channel", "invalid_auth",
            "token_revoked", "account_inactive", "missing_scope", "msg_too_long",
            "invalid_blocks", "no_text", "is_archived", "not_authed", "some_future_code"})
    void otherCodes_arePermanent(String code) {
        assertThat(SlackErrors.retryable(code)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"invalid_auth", "token_revoked", "missing_scope"})
    void authCodes_pointAtTheConnection(String code) {
        assertThat(SlackErrors.hint(code)).contains("bot token");
    }
}
