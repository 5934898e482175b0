package dev.recipes.testkit.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.webhook.VerifyingHandlerFixture;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Builds GitHub deliveries and checks them with the core catalogue's GitHubSignature. */
final class GitHubSimulatorTest {

    private static final Secret SECRET = Secret.of("test-webhook-secret-0001");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"),
            ZoneOffset.UTC);
    private static final GitHubSignature SIGNATURE = GitHubSignature.of(SECRET);

    private final VerifyingHandlerFixture receiver = new VerifyingHandlerFixture(SIGNATURE::verify);
    private final GitHubSimulator github = GitHubSimulator.of(SECRET, CLOCK)
            .withTarget(receiver);

    @Test
    void documentedVector_signsTheBodyAsGitHubDoes() {
        GitHubRequest request = GitHubSimulator.of(Secret.of("It's a Secret to Everybody"))
                .event("ping", "Hello, World!").build();

        assertThat(request.header("X-Hub-Signature-256")).contains("sha256="
                + "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assertThat(request.bodyText()).isEqualTo("Hello, World!");
    }

    @Test
    void delivery_carriesGitHubsHeaders() {
        GitHubRequest request = github.issues("opened", 7, "Crash on start").build();

        assertThat(request.header("X-GitHub-Event")).contains("issues");
        assertThat(UUID.fromString(request.header("X-GitHub-Delivery").orElseThrow()).toString())
                .isEqualTo(request.deliveryId().orElseThrow());
        assertThat(request.header("X-GitHub-Hook-ID"))
                .contains(Long.toString(GitHubSimulator.DEFAULT_HOOK_ID));
        assertThat(request.header("X-GitHub-Hook-Installation-Target-Type"))
                .contains("repository");
        assertThat(request.header("X-GitHub-Hook-Installation-Target-ID"))
                .contains(request.json().at("/repository/id").asText());
        assertThat(request.header("User-Agent").orElseThrow()).startsWith("GitHub-Hookshot/");
        assertThat(request.header("content-type")).contains("application/json");
        assertThat(request.path()).isEqualTo("/hooks/github");
        SIGNATURE.verify(request.toWebhookRequest());
    }

    @Test
    void ping_hasZenHookIdAndHook() {
        JsonNode ping = github.ping().build().json();

        assertThat(ping.path("zen").asText()).isNotBlank();
        assertThat(ping.path("hook_id").asLong()).isEqualTo(GitHubSimulator.DEFAULT_HOOK_ID);
        assertThat(ping.at("/hook/id").asLong()).isEqualTo(GitHubSimulator.DEFAULT_HOOK_ID);
        assertThat(ping.at("/hook/config/content_type").asText()).isEqualTo("json");
        assertThat(ping.at("/hook/config/url").asText()).endsWith("/hooks/github");
        assertThat(ping.at("/repository/full_name").asText())
                .isEqualTo(GitHubSimulator.DEFAULT_REPOSITORY);
        assertThat(ping.at("/sender/login").asText()).isEqualTo(GitHubSimulator.DEFAULT_SENDER);
    }

    @Test
    void push_listsTheCommitsBetweenBeforeAndAfter() {
        JsonNode push = github.withSender("hubot")
                .push("refs/heads/main", "Fix the build", "Add tests").build().json();

        assertThat(push.path("ref").asText()).isEqualTo("refs/heads/main");
        assertThat(push.path("before").asText()).matches("[0-9a-f]{40}");
        assertThat(push.path("commits")).hasSize(2);
        assertThat(push.at("/commits/0/message").asText()).isEqualTo("Fix the build");
        assertThat(push.at("/commits/1/id").asText()).isEqualTo(push.path("after").asText());
        assertThat(push.at("/head_commit/message").asText()).isEqualTo("Add tests");
        assertThat(push.at("/commits/0/timestamp").asText()).isEqualTo("2026-05-01T12:00:00Z");
        assertThat(push.at("/pusher/name").asText()).isEqualTo("hubot");
        assertThat(push.at("/sender/login").asText()).isEqualTo("hubot");
        assertThat(push.at("/repository/pushed_at").isIntegralNumber()).isTrue();
    }

    @Test
    void pushWithoutCommits_hasNoHeadCommit() {
        JsonNode push = github.push("refs/tags/v1.0").build().json();

        assertThat(push.path("commits")).isEmpty();
        assertThat(push.path("head_commit").isNull()).isTrue();
        assertThat(push.path("after").asText()).matches("[0-9a-f]{40}");
    }

    @Test
    void issues_carriesActionIssueAndRepository() {
        JsonNode issues = github.withRepository("octo/hello")
                .issues("closed", 7, "Crash on start").build().json();

        assertThat(issues.path("action").asText()).isEqualTo("closed");
        assertThat(issues.at("/issue/number").asLong()).isEqualTo(7);
        assertThat(issues.at("/issue/title").asText()).isEqualTo("Crash on start");
        assertThat(issues.at("/issue/state").asText()).isEqualTo("closed");
        assertThat(issues.at("/issue/html_url").asText())
                .isEqualTo("https://github.com/octo/hello/issues/7");
        assertThat(issues.at("/repository/full_name").asText()).isEqualTo("octo/hello");
        assertThat(issues.at("/repository/owner/login").asText()).isEqualTo("octo");
    }

    @Test
    void pullRequest_carriesNumberHeadAndBase() {
        JsonNode pull = github.pullRequest("opened", 12, "Add retries").build().json();

        assertThat(pull.path("action").asText()).isEqualTo("opened");
        assertThat(pull.path("number").asLong()).isEqualTo(12);
        assertThat(pull.at("/pull_request/title").asText()).isEqualTo("Add retries");
        assertThat(pull.at("/pull_request/state").asText()).isEqualTo("open");
        assertThat(pull.at("/pull_request/head/ref").asText()).isEqualTo("feature-12");
        assertThat(pull.at("/pull_request/base/ref").asText()).isEqualTo("main");
        assertThat(pull.at("/pull_request/merged").asBoolean()).isFalse();
    }

    @Test
    void anyEvent_keepsThePayloadAndAddsRepositoryAndSender() {
        GitHubRequest release = github.event("release", JsonNodeFactory.instance.objectNode()
                .put("action", "published")).build();

        assertThat(release.event()).isEqualTo("release");
        assertThat(release.header("X-GitHub-Event")).contains("release");
        assertThat(release.json().path("action").asText()).isEqualTo("published");
        assertThat(release.json().has("repository")).isTrue();
        assertThat(release.json().has("sender")).isTrue();
    }

    @Test
    void signedDeliveries_areAcceptedByTheVerifier() {
        WebhookResponse ping = github.ping().send();
        WebhookResponse push = github.push("refs/heads/main", "One").send();
        WebhookResponse issue = github.issues("opened", 1, "A").send();
        WebhookResponse pull = github.pullRequest("opened", 2, "B").send();

        assertThat(ping.status()).isEqualTo(200);
        assertThat(push.status()).isEqualTo(200);
        assertThat(issue.status()).isEqualTo(200);
        assertThat(pull.status()).isEqualTo(200);
        assertThat(receiver.accepted()).hasSize(4);
    }

    @Test
    void tamperedBody_isRefused() {
        WebhookResponse response = github.issues("opened", 1, "A").tamperAfterSigning().send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(receiver.refusals()).singleElement().asString().contains("does not match");
    }

    @Test
    void otherSecret_isRefused() {
        WebhookResponse response = github.push("refs/heads/main")
                .signedWith(Secret.of("another-secret")).send();

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void unsigned_hasNoSignatureHeaderAndIsRefused() {
        GitHubRequest request = github.ping().unsigned().build();

        assertThat(request.header("X-Hub-Signature-256")).isEmpty();
        assertThat(request.send().status()).isEqualTo(401);
        assertThat(receiver.refusals()).singleElement().asString().contains("missing");
    }

    @Test
    void redelivered_keepsTheDeliveryIdHeadersAndBytes() {
        GitHubRequest first = github.issues("opened", 3, "Again").build();

        GitHubRequest again = first.redelivered();

        assertThat(again.deliveryId()).isEqualTo(first.deliveryId());
        assertThat(again.headers()).isEqualTo(first.headers());
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.send().status()).isEqualTo(200);
    }

    @Test
    void eachBuild_getsANewDeliveryIdUnlessOneIsSet() {
        GitHubRequestBuilder builder = github.ping().deliveryId("d-fixed");

        assertThat(builder.build().header("X-GitHub-Delivery")).contains("d-fixed");
        assertThat(github.ping().build().deliveryId())
                .isNotEqualTo(github.ping().build().deliveryId());
    }

    @Test
    void withoutHeader_leavesItOut() {
        GitHubRequest request = github.issues("opened", 1, "A")
                .withoutHeader("x-github-delivery").build();

        assertThat(request.header("X-GitHub-Delivery")).isEmpty();
        assertThat(request.deliveryId()).isEmpty();
    }

    @Test
    void header_replacesTheSimulatorsInAnyCase() {
        GitHubRequest request = github.ping().header("user-agent", "Custom/1").build();

        assertThat(request.headers()).containsEntry("user-agent", "Custom/1");
        assertThat(request.headers().keySet()).filteredOn("User-Agent"::equalsIgnoreCase)
                .containsExactly("user-agent");
    }

    @Test
    void formEncoded_sendsThePayloadFieldSigned() {
        GitHubRequest request = github.issues("opened", 1, "A & B").formEncoded().build();

        String body = request.bodyText();
        assertThat(request.header("Content-Type"))
                .contains("application/x-www-form-urlencoded");
        assertThat(body).startsWith("payload=");
        String json = URLDecoder.decode(body.substring("payload=".length()),
                StandardCharsets.UTF_8);
        assertThat(json).contains("\"title\":\"A & B\"");
        SIGNATURE.verify(request.toWebhookRequest());
    }

    @Test
    void editPayload_changesItBeforeSigning() throws Exception {
        GitHubRequest request = github.issues("opened", 1, "A")
                .editPayload(p -> p.with("issue").put("body", "It crashes."))
                .build();

        assertThat(new ObjectMapper().readTree(request.body()).at("/issue/body").asText())
                .isEqualTo("It crashes.");
        SIGNATURE.verify(request.toWebhookRequest());
    }

    @Test
    void installationTargetAndHookId_areSentAsSet() {
        GitHubRequest request = github.withHookId(42).withInstallationTarget("organization", 9)
                .ping().build();

        assertThat(request.header("X-GitHub-Hook-ID")).contains("42");
        assertThat(request.header("X-GitHub-Hook-Installation-Target-Type"))
                .contains("organization");
        assertThat(request.header("X-GitHub-Hook-Installation-Target-ID")).contains("9");
        assertThat(request.json().path("hook_id").asLong()).isEqualTo(42);
    }

    @Test
    void sameRepository_hasTheSameIdInEveryPayload() {
        long fromIssue = github.issues("opened", 1, "A").build().json().at("/repository/id")
                .asLong();
        long fromPush = github.push("refs/heads/main").build().json().at("/repository/id")
                .asLong();

        assertThat(fromIssue).isPositive().isEqualTo(fromPush);
    }

    @Test
    void badArguments_areRefusedWithTheValue() {
        assertThatThrownBy(() -> github.withRepository("no-slash"))
                .hasMessage("github simulator: repository 'no-slash' is not of the form "
                        + "owner/name");
        assertThatThrownBy(() -> github.withSender("bad login"))
                .hasMessageStartingWith("github simulator: sender 'bad login' is not");
        assertThatThrownBy(() -> github.event("Bad-Name", "{}"))
                .hasMessage("github simulator: event name 'Bad-Name' is not lowercase letters, "
                        + "digits and '_'");
        assertThatThrownBy(() -> github.push("main"))
                .hasMessage("github simulator: ref 'main' is not a full ref such as "
                        + "refs/heads/main");
        assertThatThrownBy(() -> github.issues("opened", 0, "A"))
                .hasMessage("github simulator: issue number 0 must be positive");
        assertThatThrownBy(() -> github.pullRequest(" ", 1, "A"))
                .hasMessage("github simulator: action is blank");
        assertThatThrownBy(() -> github.withHookId(0))
                .hasMessage("github simulator: hook id 0 must be positive");
        assertThatThrownBy(() -> github.withInstallationTarget("Org", 1))
                .hasMessageContaining("'Org'");
        assertThatThrownBy(() -> github.withPath("hooks"))
                .hasMessage("github simulator: path 'hooks' does not start with '/'");
    }

    @Test
    void settingsSetTwiceOrInConflict_areRefused() {
        assertThatThrownBy(() -> github.ping().deliveryId("a").deliveryId("b"))
                .hasMessage("github request: delivery id already set to a");
        assertThatThrownBy(() -> github.ping().header("X-A", "1").withoutHeader("x-a"))
                .hasMessageContaining("'x-a' was set here");
        assertThatThrownBy(() -> github.ping().withoutHeader("X-A").header("X-A", "1"))
                .hasMessageContaining("'X-A' is left out already");
        assertThatThrownBy(() -> github.ping().header("Content-Length", "1"))
                .hasMessageContaining("cannot be set");
        assertThatThrownBy(() -> github.ping().header("X-A", "line\r\nbreak"))
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> github.event("ping", "x").editPayload(p -> { }))
                .hasMessageContaining("no JSON payload to edit");
        assertThatThrownBy(() -> github.ping().tamperAfterSigning(body -> null).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("tamperAfterSigning returned null");
    }

    @Test
    void send_withoutATarget_saysHowToSetOne() {
        assertThatThrownBy(() -> GitHubSimulator.of(SECRET).ping().send())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withTarget");
    }

    @Test
    void toString_neverShowsTheSecret() {
        assertThat(github.toString()).doesNotContain(SECRET.reveal()).contains("****");
        assertThat(github.ping().build().toString()).doesNotContain(SECRET.reveal());
    }

    @Test
    void signatureFromTheSimulator_failsVerificationUnderAnotherSecret() {
        GitHubRequest request = github.ping().build();

        assertThatThrownBy(() -> GitHubSignature.of(Secret.of("x")).verify(
                request.toWebhookRequest())).isInstanceOf(SignatureException.class);
    }
}
