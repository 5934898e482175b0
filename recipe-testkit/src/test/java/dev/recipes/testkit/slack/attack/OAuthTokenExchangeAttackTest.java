package dev.recipes.testkit.slack.attack;

import static dev.recipes.testkit.slack.attack.InstallRig.browser;
import static dev.recipes.testkit.slack.attack.InstallRig.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Connection;
import dev.recipes.core.RecipeEngine;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Odd answers from Slack's {@code oauth.v2.access} to the install's code exchange: missing
 * fields, wrong types, enterprise and team edge cases, tokens with control characters, and
 * huge answers. A refused answer stores nothing and leaves an earlier install as it was.
 */
final class OAuthTokenExchangeAttackTest {

    private static final String TEAM = ",\"team\":{\"id\":\"T0TEST001\",\"name\":\"Test\"}";

    private InstallRig rig;
    private RecipeEngine engine;

    @BeforeEach
    void start() {
        rig = new InstallRig();
        engine = rig.engine(InstallRig.orders("t0test001"));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    /** Runs an install whose exchange Slack answers with a given body. */
    private HttpResponse<String> installAnswered(String answer) throws Exception {
        HttpClient browser = browser();
        String callback = rig.callbackUrl(browser);
        rig.slack.answerNext(200, answer);
        return get(browser, callback);
    }

    private static String ok(String fields) {
        return "{\"ok\":true,\"app_id\":\"A0FAKEAPP\",\"scope\":\"chat:write\","
                + "\"token_type\":\"bot\",\"bot_user_id\":\"U0BOT\"" + fields + "}";
    }

    @Test
    void answersMissingOrMistypingWhatTheConnectionNeedsAreRefusedAnd502() throws Exception {
        List<String> answers = List.of(
                ok(TEAM),                                                     // no token
                ok(",\"access_token\":12345" + TEAM),                         // a number
                ok(",\"access_token\":\"xoxp-user-token\"" + TEAM),           // a user token
                ok(",\"access_token\":\"xoxb-1\""),                           // no team
                ok(",\"access_token\":\"xoxb-1\",\"team\":\"T0TEST001\""),     // team as text
                ok(",\"access_token\":\"xoxb-1\",\"team\":{\"id\":\"t0test001\"}"),
                ok(",\"access_token\":\"xoxb-1\",\"team\":{\"id\":\"T0/../X\"}"),
                ok(",\"access_token\":\"xoxb-1\",\"team\":{\"id\":\"X0NOTATEAM\"}"),
                ok(",\"access_token\":\"xoxb-1\",\"is_enterprise_install\":true" + TEAM),
                ok(",\"access_token\":\"xoxb-1\",\"refresh_token\":\"xoxe-1\"" + TEAM),
                ok(",\"access_token\":\"xoxb-1\",\"expires_in\":43200" + TEAM),
                ok(",\"access_token\":\"xoxb-1\",\"refresh_token\":\"xoxe-1\","
                        + "\"expires_in\":\"43200\"" + TEAM),
                ok(",\"access_token\":\"xoxb-1\",\"refresh_token\":\"xoxe-1\","
                        + "\"expires_in\":-5" + TEAM),
                "[1,2,3]", "not json", "{\"ok\":\"yes\"}");
        for (String answer : answers) {
            HttpResponse<String> page = installAnswered(answer);
            assertThat(page.statusCode()).as(answer + " -> " + page.body()).isBetween(400, 502)
                    .isNotEqualTo(500);
        }
        assertThat(rig.store.list("slack")).isEmpty();
    }

    /**
     * {@code expires_in} beyond what an {@code Instant} can hold makes {@code plusSeconds}
     * throw an {@code ArithmeticException}, which is not the {@code IllegalArgumentException}
     * the callback catches: the engine answers a bare 500 "service 'slack' failed" and logs an
     * ERROR with a stack trace, instead of the 502 "cannot be used" page. The same answer to a
     * refresh escapes the refresh unclassified and keeps its claim until it expires.
     */
    @Test
    void anOutOfRangeExpiresInCrashesTheCallbackWithA500() throws Exception {
        HttpResponse<String> page = installAnswered(ok(",\"access_token\":\"xoxe.xoxb-1\","
                + "\"refresh_token\":\"xoxe-1\",\"expires_in\":9223372036854775807" + TEAM));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(502);
        assertThat(page.body()).contains("Not installed");
        assertThat(rig.store.list("slack")).isEmpty();
    }

    /**
     * The install checks the token's prefix but not its characters, so a token with a line
     * break is stored, replacing a working install of the same workspace, and every action
     * then fails permanently ("holds a space, line break or other control character").
     */
    @Test
    void aBotTokenWithControlCharactersIsStoredOverAWorkingInstall() throws Exception {
        assertThat(rig.install("T0TEST001", "Test").statusCode()).isEqualTo(200);
        Connection good = rig.store.find("slack", "t0test001").orElseThrow();

        HttpResponse<String> page = installAnswered(ok(",\"access_token\":"
                + "\"xoxb-1\\r\\nX-Injected: yes\"" + TEAM));

        // Slack's answer cannot be used, so the working install must stay as it was.
        assertThat(page.statusCode()).as(page.body()).isEqualTo(502);
        assertThat(rig.store.find("slack", "t0test001")).contains(good);
    }

    @Test
    void enterpriseAndTeamEdgeCasesAreKeyedAsDocumented() throws Exception {
        String grid = ok(",\"access_token\":\"xoxb-g\",\"enterprise\":{\"id\":\"E0ORG0001\","
                + "\"name\":\"Org\"},\"team\":{\"id\":\"T0GRID001\",\"name\":\"Grid\"},"
                + "\"is_enterprise_install\":false");
        String orgWideWithATeam = ok(",\"access_token\":\"xoxb-o\",\"enterprise\":{\"id\":"
                + "\"E0ORG0002\",\"name\":\"Org2\"},\"team\":{\"id\":\"T0GRID002\"},"
                + "\"is_enterprise_install\":true");
        String orgWideNullTeam = ok(",\"access_token\":\"xoxb-n\",\"enterprise\":{\"id\":"
                + "\"E0ORG0003\"},\"team\":null,\"is_enterprise_install\":true");
        String nullEnterprise = ok(",\"access_token\":\"xoxb-t\",\"enterprise\":null"
                + ",\"team\":{\"id\":\"T0SOLO001\"},\"is_enterprise_install\":false");
        for (String answer : List.of(grid, orgWideWithATeam, orgWideNullTeam, nullEnterprise)) {
            assertThat(installAnswered(answer).statusCode()).as(answer).isEqualTo(200);
        }
        assertThat(rig.store.list("slack")).extracting(Connection::id)
                .containsExactlyInAnyOrder("e0org0001.t0grid001", "e0org0002", "e0org0003",
                        "t0solo001");
    }

    @Test
    void anOrgWideInstallWithoutAnEnterpriseIsRefused() throws Exception {
        HttpResponse<String> page = installAnswered(ok(",\"access_token\":\"xoxb-1\","
                + "\"enterprise\":null,\"is_enterprise_install\":true" + TEAM));
        assertThat(page.statusCode()).isEqualTo(502);
        assertThat(rig.store.list("slack")).isEmpty();
    }

    @Test
    void aHugeAnswerIsRefusedAndStoresNothing() throws Exception {
        String huge = ok(",\"access_token\":\"xoxb-1\",\"team\":{\"id\":\"T0TEST001\","
                + "\"name\":\"" + "x".repeat(1_100_000) + "\"}");
        HttpResponse<String> page = installAnswered(huge);
        assertThat(page.statusCode()).isBetween(400, 502).isNotEqualTo(500);
        assertThat(page.body().length()).isLessThan(4_000);
        assertThat(rig.store.list("slack")).isEmpty();
    }

    @Test
    void aWrongTypedEnterpriseInstallFlagIsReadAsFalse() throws Exception {
        HttpResponse<String> page = installAnswered(ok(",\"access_token\":\"xoxb-1\","
                + "\"is_enterprise_install\":\"yes\"" + TEAM));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(rig.store.find("slack", "t0test001")).isPresent();
        assertThat(engine.connections().find("slack", "t0test001").orElseThrow()
                .setting("enterprise-install")).contains("false");
    }
}
