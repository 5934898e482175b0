package dev.recipes.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A trigger on the messages of one Standard Webhooks source, optionally narrowed to a payload
 * {@code type}. Get one from {@link Webhooks#from(String)}.
 *
 * <p>Immutable and thread-safe. Triggers with the same source and type are equal.
 */
public final class WebhookTrigger implements Trigger {

    // The spec's event types are full-stop delimited identifiers such as "invoice.paid"; a
    // trailing ".*" selects a whole branch.
    private static final Pattern TYPE = Pattern.compile(
            "[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*(\\.\\*)?");

    private final String source;
    private final String type;

    WebhookTrigger(String source, String type) {
        this.source = source;
        this.type = type;
    }

    /**
     * Returns a trigger that also requires the payload's {@code type} field to be a type.
     *
     * @param type such as {@code invoice.paid}, compared exactly; or a prefix ending in
     *     {@code .*}, such as {@code invoice.*}, which matches {@code invoice.paid} and
     *     {@code invoice.created.v2} but not {@code invoice} itself
     * @return a new trigger
     * @throws IllegalArgumentException if the type is not full-stop delimited letters, digits,
     *     '_' and '-', optionally ending in {@code .*}
     * @throws IllegalStateException if this trigger is narrowed to a type already
     */
    public WebhookTrigger ofType(String type) {
        Objects.requireNonNull(type, "type");
        if (!TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException(this + ": type '" + type + "' is not full-stop "
                    + "delimited letters, digits, '_' and '-', optionally ending in '.*'");
        }
        if (this.type != null) {
            throw new IllegalStateException(this + ": type is already '" + this.type
                    + "'; use a filter to accept several types");
        }
        return new WebhookTrigger(source, type);
    }

    /**
     * Returns the type of the events this trigger selects.
     *
     * @return {@code webhook.<source>}
     */
    @Override
    public String eventType() {
        return WebhookService.ID + "." + source;
    }

    /**
     * Tells whether an event comes from this trigger's source and has its payload type, if one
     * is required.
     *
     * @param event an event published by the webhook service
     * @return {@code true} if the event matches
     */
    @Override
    public boolean matches(Event event) {
        if (!eventType().equals(event.type())) {
            return false;
        }
        if (type == null) {
            return true;
        }
        JsonNode value = event.data().get("type");
        if (value == null || !value.isTextual()) {
            return false;
        }
        return type.endsWith(".*")
                ? value.asText().startsWith(type.substring(0, type.length() - 1))
                : value.asText().equals(type);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookTrigger that && source.equals(that.source)
                && Objects.equals(type, that.type);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, type);
    }

    /**
     * Returns the trigger as the Java that builds it.
     *
     * @return such as {@code Webhooks.from("billing").ofType("invoice.paid")}
     */
    @Override
    public String toString() {
        return "Webhooks.from(\"" + source + "\")"
                + (type == null ? "" : ".ofType(\"" + type + "\")");
    }
}
