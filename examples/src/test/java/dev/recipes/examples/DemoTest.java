package dev.recipes.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DemoTest {

    @Test
    void sendsSignedMessagesAndPrintsTheRowsTheyBecame() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        List<List<Object>> rows =
                Demo.run(new PrintStream(printed, true, StandardCharsets.UTF_8));

        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(rows).hasSize(4);
        assertThat(rows).extracting(row -> row.get(2))
                .containsExactlyInAnyOrder("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE");
        assertThat(output).contains("| time ", "| channel ", "Invoice INV-77 paid ✅")
                .contains("another secret   -> HTTP 401")
                .doesNotContain("Daily digest");
    }
}
