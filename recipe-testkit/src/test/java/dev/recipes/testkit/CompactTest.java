package dev.recipes.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How assertion messages show JSON and lists: short, on one line, credentials masked. */
final class CompactTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fieldsNamedForCredentials_areMaskedAtAnyDepth() throws Exception {
        JsonNode node = JSON.readTree("{\"token\":\"xoxb-1\",\"event\":{\"text\":\"hi\","
                + "\"access_token\":\"ya29.a\",\"clientSecret\":\"s\",\"x-api-key\":\"k\"},"
                + "\"Authorization\":\"Bearer b\",\"password\":null,\"signing-secret\":{\"v\":1}}");

        assertThat(Compact.masked(node)).isEqualTo("{\"token\":\"***\",\"event\":{\"text\":\"hi\","
                + "\"access_token\":\"***\",\"clientSecret\":\"***\",\"x-api-key\":\"***\"},"
                + "\"Authorization\":\"***\",\"password\":null,\"signing-secret\":\"***\"}");
    }

    @Test
    void ordinaryFields_areLeftAlone() {
        assertThat(Compact.isSecretName("text")).isFalse();
        assertThat(Compact.isSecretName("keyColumn")).isFalse();
        assertThat(Compact.isSecretName("tokens_used_count")).isFalse();
        assertThat(Compact.isSecretName("refresh_token")).isTrue();
        assertThat(Compact.isSecretName("private_key")).isTrue();
    }

    @Test
    void json_showsTwoLevels_andElidesDeeperObjectsAndArrays() throws Exception {
        JsonNode node = JSON.readTree("{\"a\":{\"b\":{\"c\":1},\"d\":[1,2],\"e\":{},\"f\":\"x\"},"
                + "\"g\":[[1],{\"h\":2}]}");

        assertThat(Compact.json(node)).isEqualTo("{\"a\":{\"b\":{...},\"d\":[...],\"e\":{},"
                + "\"f\":\"x\"},\"g\":[[...],{...}]}");
    }

    @Test
    void longJson_isCutWithAnEllipsis_andStaysOnOneLine() {
        JsonNode node = JSON.createObjectNode()
                .put("text", "line one\nline two " + "x".repeat(500));

        String shown = Compact.json(node);

        assertThat(shown).hasSize(Compact.JSON_WIDTH).endsWith("...")
                .startsWith("{\"text\":\"line one\\nline two xxx").doesNotContain("\n");
    }

    @Test
    void longLists_showTheFirstItemsAndHowManyMore() {
        List<Integer> items = IntStream.rangeClosed(1, 25).boxed().toList();

        String shown = Compact.section("Numbers", items, String::valueOf);

        assertThat(shown).startsWith("Numbers (25):\n  1. 1\n  2. 2\n")
                .endsWith("\n  20. 20\n  ... and 5 more");
        assertThat(Compact.section("Numbers", List.of(), String::valueOf))
                .isEqualTo("Numbers: none");
    }

    @Test
    void values_showTextQuotedAndListsInBrackets() {
        assertThat(Compact.value(List.of("a", 1, true))).isEqualTo("[\"a\", 1, true]");
        assertThat(Compact.value(null)).isEqualTo("null");
    }

    @Test
    void numbers_compareByValue() {
        assertThat(Values.same(Values.json(3), JSON.valueToTree(3.0))).isTrue();
        assertThat(Values.same(Values.json(3L), JSON.valueToTree(3))).isTrue();
        assertThat(Values.same(Values.json("3"), JSON.valueToTree(3))).isFalse();
        assertThat(Values.sameRow(List.of("a", 19.5, 3), List.of("a", 19.5, 3L))).isTrue();
        assertThat(Values.sameRow(List.of("a"), List.of("a", ""))).isFalse();
    }
}
