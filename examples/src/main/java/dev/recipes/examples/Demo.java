package dev.recipes.examples;

import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.TestServiceAccount;
import dev.recipes.testkit.slack.SlackSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The app on embedded stand-ins: a fake Google Sheets server with a freshly generated service
 * account, and signed Slack events sent to the app's own webhook server over loopback HTTP.
 */
final class Demo {

    static final String SPREADSHEET = "demo-spreadsheet";
    private static final String SHEET = "Sheet1";

    private Demo() {
    }

    /**
     * Runs the demo and prints the resulting sheet.
     *
     * @param out where to print
     * @return the rows that reached the sheet
     * @throws Exception if a part fails to start or the events do not settle
     */
    static List<List<Object>> run(PrintStream out) throws Exception {
        Secret signingSecret = Secret.of(randomHex());
        Path keyDirectory = Files.createTempDirectory("recipes-demo");
        try (FakeSheetsServer sheets = FakeSheetsServer.start()) {
            sheets.createSpreadsheet(SPREADSHEET, SHEET);
            TestServiceAccount account = sheets.newServiceAccount();
            Path keyFile = account.writeKeyFile(keyDirectory.resolve("service-account.json"));
            Settings settings = new Settings("127.0.0.1", 0, signingSecret, keyFile,
                    sheets.apiUrl(), sheets.tokenUrl(), SPREADSHEET, Settings.DEFAULT_RANGE,
                    null, null);
            try (SlackToSheetsApp app = SlackToSheetsApp.start(settings)) {
                sendSampleMessages(out, signingSecret, app.port());
                if (!app.awaitIdle(Duration.ofSeconds(30))) {
                    throw new IllegalStateException("demo: events did not settle in 30 s");
                }
            }
            List<List<Object>> rows = sheets.rows(SPREADSHEET, SHEET);
            out.println();
            out.println("Rows in " + SPREADSHEET + " " + SHEET + ":");
            out.print(Table.of(List.of("time", "channel", "user", "text"), rows));
            return rows;
        } finally {
            deleteQuietly(keyDirectory);
        }
    }

    private static void sendSampleMessages(PrintStream out, Secret secret, int port) {
        SlackSimulator slack = SlackSimulator.of(secret)
                .withTarget(URI.create("http://127.0.0.1:" + port));
        out.println("Sending signed Slack events to http://127.0.0.1:" + port + "/hooks/slack");
        report(out, "message in C0SALES", slack.message("C0SALES", "U0ALICE", "Order #1042: "
                + "3 × blue widgets, ship Friday").send());
        report(out, "message in C0SALES", slack.message("C0SALES", "U0BOB",
                "Invoice INV-77 paid ✅").send());
        report(out, "message in C0SUPPORT", slack.message("C0SUPPORT", "U0CAROL",
                "Customer asks: <is the *API* down?> & what's the ETA").send());
        var again = slack.message("C0SUPPORT", "U0DAVE", "Fixed, deploy finished").build();
        report(out, "message in C0SUPPORT", again.send());
        report(out, "Slack's redelivery of that message", again
                .redelivered(1, "http_timeout").send());
        report(out, "a bot's message (skipped)", slack.message("C0SALES", "U0BOT0001",
                "Daily digest").editEvent(event -> event.put("subtype", "bot_message")).send());
        report(out, "a request signed with another secret", slack.message("C0SALES", "U0EVE",
                "forged").signedWith(Secret.of("not-the-signing-secret")).send());
    }

    private static void report(PrintStream out, String what, WebhookResponse response) {
        out.printf("  %-38s -> HTTP %d%n", what, response.status());
    }

    private static String randomHex() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteQuietly(Path directory) {
        try (var files = Files.walk(directory)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
