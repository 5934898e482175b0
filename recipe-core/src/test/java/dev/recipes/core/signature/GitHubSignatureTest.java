package dev.recipes.core.signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GitHub's documented example, tampering, malformed headers and secret rotation. */
final class GitHubSignatureTest {

    private static final Secret DOCS_SECRET = Secret.of("It's a Secret to Everybody");
    private static final byte[] DOCS_BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final String DOCS_SIGNATURE =
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsAsGitHubDocuments() {
        String signature = GitHubSignature.of(DOCS_SECRET).sign(DOCS_BODY);

        assertThat(signature).isEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void verifiesTheDocumentedRequest() {
        WebhookRequest request = request("x-hub-signature-256", DOCS_SIGNATURE, DOCS_BODY);

        assertThatCode(() -> GitHubSignature.of(DOCS_SECRET).verify(request))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsWrongSecret() {
        GitHubSignature scheme = GitHubSignature.of(Secret.of("another secret"));

        assertThatThrownBy(() -> scheme.verify(DOCS_SIGNATURE, DOCS_BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessage("github signature: does not match the body under any of the 1 "
                        + "secret(s)");
    }

    @Test
    void rejectsTamperedBody() {
        byte[] tampered = "Hello, World?".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> GitHubSignature.of(DOCS_SECRET).verify(DOCS_SIGNATURE, tampered))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void rejectsMissingHeader() {
        WebhookRequest request = request("X-Hub-Signature", "sha1=abc", DOCS_BODY);

        assertThatThrownBy(() -> GitHubSignature.of(DOCS_SECRET).verify(request))
                .isInstanceOf(SignatureException.class)
                .hasMessage("github signature: header X-Hub-Signature-256 is missing");
    }

    @Test
    void rejectsMalformedSignatures() {
        GitHubSignature scheme = GitHubSignature.of(DOCS_SECRET);
        String hex = DOCS_SIGNATURE.substring("sha256=".length());

        for (String bad : List.of("", hex, "sha1=" + hex, "sha256=" + hex.toUpperCase(),
                "sha256=" + hex.substring(2), DOCS_SIGNATURE + "00", "sha256=" + hex + " ")) {
            assertThatThrownBy(() -> scheme.verify(bad, DOCS_BODY))
                    .as("signature '%s'", bad)
                    .isInstanceOf(SignatureException.class)
                    .hasMessageContaining("is not of the form sha256=<64 lowercase hex digits>");
        }
    }

    @Test
    void acceptsASignatureMadeWithTheSecondSecret() {
        Secret fresh = Secret.of("fresh secret");
        GitHubSignature rotating = GitHubSignature.of(fresh, DOCS_SECRET);
        GitHubSignature fromList = GitHubSignature.of(List.of(fresh, DOCS_SECRET));

        assertThatCode(() -> rotating.verify(DOCS_SIGNATURE, DOCS_BODY))
                .doesNotThrowAnyException();
        assertThatCode(() -> fromList.verify(DOCS_SIGNATURE, DOCS_BODY))
                .doesNotThrowAnyException();
        assertThat(rotating.sign(DOCS_BODY))
                .isEqualTo(GitHubSignature.of(fresh).sign(DOCS_BODY))
                .isNotEqualTo(DOCS_SIGNATURE);
    }

    @Test
    void rejectsWhenNoneOfSeveralSecretsMatches() {
        GitHubSignature scheme = GitHubSignature.of(Secret.of("one"), Secret.of("two"));

        assertThatThrownBy(() -> scheme.verify(DOCS_SIGNATURE, DOCS_BODY))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("under any of the 2 secret(s)");
    }

    @Test
    void refusesAnEmptyListOfSecrets() {
        assertThatThrownBy(() -> GitHubSignature.of(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("list of secrets is empty");
    }

    @Test
    void neitherToStringNorMessagesShowSecretsOrTheExpectedSignature() {
        GitHubSignature scheme = GitHubSignature.of(DOCS_SECRET, Secret.of("second-secret"));
        String expected = DOCS_SIGNATURE.substring("sha256=".length());

        Throwable failure = catchThrowable(() ->
                scheme.verify("sha256=" + "0".repeat(64), DOCS_BODY));

        assertThat(scheme.toString())
                .contains("GitHubSignature")
                .doesNotContain("Everybody", "second-secret");
        assertThat(failure).isInstanceOf(SignatureException.class);
        assertThat(failure.getMessage())
                .doesNotContain("Everybody", "second-secret", expected);
    }

    private static WebhookRequest request(String header, String value, byte[] body) {
        return WebhookRequest.post("/hooks/github", Map.of(header, value), body);
    }

    @Test
    void namesMissingArguments() {
        GitHubSignature scheme = GitHubSignature.of(Secret.of("It's a Secret to Everybody"));

        assertThatThrownBy(() -> scheme.verify((String) null, new byte[0]))
                .isInstanceOf(NullPointerException.class).hasMessage("signature");
        assertThatThrownBy(() -> scheme.sign(null))
                .isInstanceOf(NullPointerException.class).hasMessage("body");
    }
}
