package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Objects;

/**
 * Escapes text for Slack's {@code mrkdwn}, so that text taken from an event (a user's message,
 * a form field) shows as written and cannot forge a mention such as {@code <!channel>}, a user
 * or channel link, or a link with a misleading label.
 *
 * <pre>{@code
 * Slack.postMessage("C0ALERTS").textFrom("/event/text");          // escaped
 * Slack.postMessage("C0ALERTS").text("New order from " + SlackText.escape(customer));
 * }</pre>
 *
 * <p>Only {@code &}, {@code <} and {@code >} are replaced, as Slack asks; formatting marks
 * such as {@code *bold*} stay, since they cannot reach anyone outside the message.
 */
public final class SlackText {

    private SlackText() {
    }

    /**
     * Escapes {@code <} as {@code &lt;}, {@code >} as {@code &gt;} and {@code &} as
     * {@code &amp;}, except an {@code &} that already starts {@code &amp;}, {@code &lt;} or
     * {@code &gt;}.
     *
     * <p>Slack sends message text already escaped, and a mention the user made as
     * {@code <@U…>} or {@code <!channel>}: such text, relayed, keeps its escapes (they are not
     * escaped twice) and its mentions and links become plain text that notifies no one.
     *
     * @param text any text
     * @return the escaped text
     */
    public static String escape(String text) {
        Objects.requireNonNull(text, "text");
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append(startsEntity(text, i) ? "&" : "&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean startsEntity(String text, int at) {
        return text.startsWith("&amp;", at) || text.startsWith("&lt;", at)
                || text.startsWith("&gt;", at);
    }

    /**
     * Returns a mapping that reads a field of the event's data by JSON Pointer and escapes it.
     * Numbers and booleans are written as text; JSON null renders as empty text.
     *
     * @param jsonPointer such as {@code /event/text}
     * @return the mapping
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public static Mapping escaped(String jsonPointer) {
        Mapping field = Mapping.pointer(jsonPointer);
        return new Mapping() {
            @Override
            public JsonNode apply(Event event) {
                JsonNode value = field.apply(event);
                if (value.isContainerNode()) {
                    throw new MappingException(jsonPointer, "field '" + jsonPointer
                            + "' of event '" + event.id() + "' is a JSON "
                            + (value.isArray() ? "array" : "object") + ", not text");
                }
                String text = value.isNull() ? "" : value.asText();
                return JsonNodeFactory.instance.textNode(escape(text));
            }

            @Override
            public String toString() {
                return "Mapping[escaped " + jsonPointer + "]";
            }
        };
    }
}
