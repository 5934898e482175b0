package dev.recipes.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Headers as a handler reads them, whatever map they were handed over in: names without case, the
 * request's own unmodifiable copy, nulls refused.
 */
final class WebhookRequestHeadersTest {

    static Stream<Arguments> maps() {
        return Stream.of(
                Arguments.of("a TreeMap without case",
                        (Supplier<Map<String, List<String>>>)
                                () -> new TreeMap<>(String.CASE_INSENSITIVE_ORDER)),
                Arguments.of("a TreeMap in natural order",
                        (Supplier<Map<String, List<String>>>) TreeMap::new),
                Arguments.of("a TreeMap with case, reversed",
                        (Supplier<Map<String, List<String>>>)
                                () -> new TreeMap<>(Comparator.<String>reverseOrder())),
                Arguments.of("a LinkedHashMap",
                        (Supplier<Map<String, List<String>>>) LinkedHashMap::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void namesAreMatchedWithoutCase_andTheRequestKeepsItsOwnCopy(String kind,
            Supplier<Map<String, List<String>>> maps) {
        Map<String, List<String>> given = maps.get();
        List<String> signatures = new ArrayList<>(List.of("v0=abc"));
        given.put("X-Slack-Signature", signatures);
        given.put("Content-Type", new ArrayList<>(List.of("application/json")));

        WebhookRequest request = new WebhookRequest("POST", "/hooks/slack", "", given, null);
        signatures.set(0, "v0=forged");
        signatures.add("v0=more");
        given.put("X-Injected", List.of("late"));
        given.remove("Content-Type");

        assertThat(request.header("x-slack-signature")).contains("v0=abc");
        assertThat(request.headers().get("X-SLACK-SIGNATURE")).containsExactly("v0=abc");
        assertThat(request.header("content-type")).contains("application/json");
        assertThat(request.header("X-Injected")).isEmpty();
        assertThat(request.headers()).hasSize(2);
        assertThatThrownBy(() -> request.headers().get("X-Slack-Signature").add("v0=x"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> request.headers().put("X-Other", List.of()))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void aNullValueList_isRefused(String kind, Supplier<Map<String, List<String>>> maps) {
        Map<String, List<String>> given = maps.get();
        given.put("X-Empty", null);

        assertThatThrownBy(() -> new WebhookRequest("POST", "/hooks/x", "", given, null))
                .isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void aNullValue_isRefused(String kind, Supplier<Map<String, List<String>>> maps) {
        Map<String, List<String>> given = maps.get();
        given.put("X-Odd", Arrays.asList("a", null));

        assertThatThrownBy(() -> new WebhookRequest("POST", "/hooks/x", "", given, null))
                .isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("maps")
    void namesDifferingOnlyInCase_becomeOne_valuesInTheOrderMet(String kind,
            Supplier<Map<String, List<String>>> maps) {
        Map<String, List<String>> given = maps.get();
        given.put("Cookie", List.of("a=1"));
        given.put("cookie", List.of("b=2"));

        WebhookRequest request = new WebhookRequest("POST", "/hooks/x", "", given, null);

        assertThat(request.headers()).hasSize(1);
        assertThat(request.headers().get("COOKIE")).hasSize(given.size() == 1 ? 1 : 2)
                .contains("b=2");
        assertThat(request.cookie("b")).contains("2");
    }
}
