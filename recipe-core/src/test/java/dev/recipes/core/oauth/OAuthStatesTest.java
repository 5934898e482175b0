package dev.recipes.core.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The state of an OAuth install: random, expiring, single-use, bound to one browser. */
final class OAuthStatesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final Secret SECRET = Secret.of("client-secret-1");

    private Instant now = NOW;
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    };
    private final IdempotencyStore used =
            IdempotencyStore.inMemory(1000, Duration.ofHours(2), clock);

    private OAuthStates states() {
        return states("slack-install", SECRET);
    }

    private OAuthStates states(String purpose, Secret secret) {
        return OAuthStates.create(purpose, secret, clock, used, Duration.ofMinutes(10));
    }

    private static void assertRefused(ThrowingCallable call, OAuthStateException.Reason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OAuthStateException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void anIssuedStateIsAcceptedOnceFromTheSameBrowser() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();

        assertThatCode(() -> states.verify(issued.state(), issued.nonce()))
                .doesNotThrowAnyException();
        assertRefused(() -> states.verify(issued.state(), issued.nonce()),
                OAuthStateException.Reason.USED);
    }

    @Test
    void everyStateIsDifferentAndUrlSafe() {
        OAuthStates states = states();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            OAuthStates.Issued issued = states.issue();
            assertThat(issued.state()).matches("[A-Za-z0-9._-]+").hasSizeLessThan(100);
            assertThat(seen.add(issued.nonce())).isTrue();
        }
    }

    @Test
    void anotherEngineInstanceWithTheSameSecretAcceptsIt() {
        OAuthStates.Issued issued = states().issue();

        assertThatCode(() -> states().verify(issued.state(), issued.nonce()))
                .doesNotThrowAnyException();
    }

    @Test
    void aStateExpiresAfterItsLifetime() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();
        now = NOW.plus(Duration.ofMinutes(10));

        assertRefused(() -> states.verify(issued.state(), issued.nonce()),
                OAuthStateException.Reason.EXPIRED);
    }

    @Test
    void aStateIsStillGoodJustBeforeItExpires() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();
        now = NOW.plus(Duration.ofMinutes(10)).minusSeconds(1);

        assertThatCode(() -> states.verify(issued.state(), issued.nonce()))
                .doesNotThrowAnyException();
    }

    @Test
    void aStateFromAnotherBrowserIsRefusedAndStaysUsable() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();
        OAuthStates.Issued other = states.issue();

        assertRefused(() -> states.verify(issued.state(), null),
                OAuthStateException.Reason.OTHER_BROWSER);
        assertRefused(() -> states.verify(issued.state(), other.nonce()),
                OAuthStateException.Reason.OTHER_BROWSER);
        assertThatCode(() -> states.verify(issued.state(), issued.nonce()))
                .doesNotThrowAnyException();
    }

    @Test
    void aStateWithAChangedExpiryIsForged() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();
        String[] parts = issued.state().split("\\.");
        String later = parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2];

        assertRefused(() -> states.verify(later, issued.nonce()),
                OAuthStateException.Reason.FORGED);
    }

    @Test
    void aStateOfAnotherSecretOrPurposeIsForged() {
        OAuthStates.Issued otherSecret = states("slack-install", Secret.of("other")).issue();
        OAuthStates.Issued otherPurpose = states("sheets-install", SECRET).issue();

        assertRefused(() -> states().verify(otherSecret.state(), otherSecret.nonce()),
                OAuthStateException.Reason.FORGED);
        assertRefused(() -> states().verify(otherPurpose.state(), otherPurpose.nonce()),
                OAuthStateException.Reason.FORGED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "a.b.c", "....", "AAAAAAAAAAAAAAAAAAAAAA.1.short",
        "AAAAAAAAAAAAAAAAAAAAAA.99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void malformedStatesAreRefused(String state) {
        assertRefused(() -> states().verify(state, "n"), OAuthStateException.Reason.MALFORMED);
    }

    @Test
    void aMissingStateIsRefused() {
        assertRefused(() -> states().verify(null, "n"), OAuthStateException.Reason.MISSING);
        assertRefused(() -> states().verify("", "n"), OAuthStateException.Reason.MISSING);
    }

    @Test
    void aHugeStateIsRefusedWithoutScanningIt() {
        assertRefused(() -> states().verify("A".repeat(1_000_000), "n"),
                OAuthStateException.Reason.MALFORMED);
    }

    @Test
    void theLifetimeIsBounded() {
        assertThatThrownBy(() -> OAuthStates.create("p", SECRET, clock, used,
                Duration.ofSeconds(59))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 minute to 1 hour");
        assertThatThrownBy(() -> OAuthStates.create("p", SECRET, clock, used,
                Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsNoSecret() {
        assertThat(states().toString()).doesNotContain("client-secret-1")
                .isEqualTo("OAuthStates[slack-install, lifetime PT10M]");
    }

    @Test
    void aStateCarriesItsDataToTheCallback() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue("finance.team-2");

        assertThat(issued.state()).matches("[A-Za-z0-9._-]+");
        assertThat(states().verifyAndRead(issued.state(), issued.nonce()))
                .isEqualTo("finance.team-2");
        assertRefused(() -> states.verifyAndRead(issued.state(), issued.nonce()),
                OAuthStateException.Reason.USED);
    }

    @Test
    void aStateWithoutDataReadsAsEmpty() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue();

        assertThat(states.verifyAndRead(issued.state(), issued.nonce())).isEmpty();
    }

    @Test
    void changedDataIsForged() {
        OAuthStates states = states();
        OAuthStates.Issued issued = states.issue("default");
        String[] parts = issued.state().split("\\.");
        String other = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("finance".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String changed = parts[0] + "." + parts[1] + "." + other + "." + parts[3];
        String dropped = parts[0] + "." + parts[1] + "." + parts[3];

        assertRefused(() -> states.verifyAndRead(changed, issued.nonce()),
                OAuthStateException.Reason.FORGED);
        assertRefused(() -> states.verifyAndRead(dropped, issued.nonce()),
                OAuthStateException.Reason.FORGED);
        assertThat(states.verifyAndRead(issued.state(), issued.nonce())).isEqualTo("default");
    }

    @Test
    void dataIsBounded() {
        assertThatThrownBy(() -> states().issue("")).isInstanceOf(
                IllegalArgumentException.class);
        assertThatThrownBy(() -> states().issue("x".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 200");
        OAuthStates.Issued longest = states().issue("\u00e9".repeat(100));
        assertThat(states().verifyAndRead(longest.state(), longest.nonce()))
                .isEqualTo("\u00e9".repeat(100));
    }

    @Test
    void theCodeVerifierIsDerivedAgainFromTheStateByAnyInstance() {
        OAuthStates.Issued issued = states().issue("default");
        OAuthStates.Issued other = states().issue("default");

        String verifier = states().codeVerifier(issued.state());

        assertThat(verifier).matches("[A-Za-z0-9_-]{43}")
                .isEqualTo(states().codeVerifier(issued.state()))
                .isNotEqualTo(states().codeVerifier(other.state()))
                .isNotEqualTo(states("slack-install", Secret.of("other"))
                        .codeVerifier(issued.state()))
                .isNotEqualTo(states("sheets-install", SECRET).codeVerifier(issued.state()));
        assertThat(issued.state()).doesNotContain(verifier);
    }

    @Test
    void theCodeChallengeIsS256AsInRfc7636() {
        assertThat(OAuthStates.codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
                .isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
