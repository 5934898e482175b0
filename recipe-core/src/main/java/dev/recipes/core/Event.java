package dev.recipes.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Something that happened in a service, with the CloudEvents 1.0 attributes and a JSON payload.
 *
 * <p>Events are immutable: the data is copied when the event is made, unless it is handed over
 * with {@link #withOwnData}. The node returned by {@link #data()} is shared by every reader of
 * the event and must not be modified.
 *
 * @param id unique within its source; with the source it identifies the event
 * @param source where the event happened, a URI reference such as {@code /slack/T0TEST001}
 * @param type what happened, such as {@code slack.message}
 * @param subject what the event is about within its source, or {@code null}
 * @param time when it happened, or {@code null}
 * @param dataContentType the media type of the data, {@code application/json} by default
 * @param data the payload, {@link NullNode} when there is none
 */
public record Event(
        String id,
        URI source,
        String type,
        String subject,
        Instant time,
        String dataContentType,
        JsonNode data) {

    /** The CloudEvents specification version this record follows. */
    public static final String SPEC_VERSION = "1.0";

    // Set on a thread while withOwnData makes an event, so that the constructor, which every
    // record constructor must go through, takes the data without copying it.
    private static final ThreadLocal<Boolean> HANDED_OVER = new ThreadLocal<>();

    /**
     * Validates the attributes and copies the data.
     *
     * @param id unique within its source; with the source it identifies the event
     * @param source where the event happened, a URI reference
     * @param type what happened, such as {@code slack.message}
     * @param subject what the event is about within its source, or {@code null}
     * @param time when it happened, or {@code null}
     * @param dataContentType the media type of the data, or {@code null} for
     *     {@code application/json}
     * @param data the payload, or {@code null} for none
     * @throws IllegalArgumentException if the id or type is missing or blank, or the subject
     *     is empty
     * @throws NullPointerException if the source is null
     */
    public Event {
        requireText(id, "id");
        Objects.requireNonNull(source, "event: source is missing");
        requireText(type, "type");
        if (subject != null && subject.isEmpty()) {
            throw new IllegalArgumentException("event '" + id + "': subject is empty");
        }
        dataContentType = dataContentType == null ? "application/json" : dataContentType;
        data = data == null ? NullNode.getInstance()
                : HANDED_OVER.get() == Boolean.TRUE ? data : data.deepCopy();
    }

    /**
     * Makes an event that takes the data node as it is, without the copy the constructor makes:
     * for a node the caller made for this event alone, such as a webhook body it just parsed,
     * and hands over. Copying a delivery's JSON costs about as much as parsing it.
     *
     * @param id unique within its source; with the source it identifies the event
     * @param source where the event happened, a URI reference
     * @param type what happened, such as {@code slack.message}
     * @param subject what the event is about within its source, or {@code null}
     * @param time when it happened, or {@code null}
     * @param dataContentType the media type of the data, or {@code null} for
     *     {@code application/json}
     * @param data the payload, or {@code null} for none; neither the caller nor anyone it gave
     *     the node to may modify it afterwards
     * @return the event
     * @throws IllegalArgumentException if the id or type is missing or blank, or the subject
     *     is empty
     * @throws NullPointerException if the source is null
     */
    public static Event withOwnData(String id, URI source, String type, String subject,
            Instant time, String dataContentType, JsonNode data) {
        HANDED_OVER.set(Boolean.TRUE);
        try {
            return new Event(id, source, type, subject, time, dataContentType, data);
        } finally {
            HANDED_OVER.remove();
        }
    }

    /**
     * Starts an event of the given type, with a random id and the current time.
     *
     * @param type what happened, such as {@code slack.message}
     * @return a builder
     */
    public static Builder builder(String type) {
        return new Builder(type);
    }

    /**
     * Returns the subject, if any.
     *
     * @return the subject
     */
    public Optional<String> subjectIfPresent() {
        return Optional.ofNullable(subject);
    }

    /**
     * Writes the event in the CloudEvents JSON format.
     *
     * @return a new JSON object
     */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("specversion", SPEC_VERSION);
        json.put("id", id);
        json.put("source", source.toString());
        json.put("type", type);
        if (subject != null) {
            json.put("subject", subject);
        }
        if (time != null) {
            json.put("time", time.toString());
        }
        json.put("datacontenttype", dataContentType);
        json.set("data", data.deepCopy());
        return json;
    }

    /**
     * Reads an event from the CloudEvents JSON format.
     *
     * @param json a JSON object with at least {@code specversion}, {@code id}, {@code source}
     *     and {@code type}
     * @return the event
     * @throws IllegalArgumentException if an attribute is missing or malformed
     */
    public static Event fromJson(JsonNode json) {
        String version = json.path("specversion").asText("");
        if (!SPEC_VERSION.equals(version)) {
            throw new IllegalArgumentException(
                    "event: specversion '" + version + "' is not " + SPEC_VERSION);
        }
        try {
            return new Event(
                    json.path("id").asText(null),
                    URI.create(json.path("source").asText("")),
                    json.path("type").asText(null),
                    json.hasNonNull("subject") ? json.get("subject").asText() : null,
                    json.hasNonNull("time") ? Instant.parse(json.get("time").asText()) : null,
                    json.hasNonNull("datacontenttype")
                            ? json.get("datacontenttype").asText() : null,
                    json.get("data"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("event: time is not an RFC 3339 timestamp", e);
        }
    }

    private static void requireText(String value, String attribute) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("event: " + attribute + " is missing");
        }
    }

    /** Builds an {@link Event}; unset attributes get sensible defaults. */
    public static final class Builder {

        private final String type;
        private String id = UUID.randomUUID().toString();
        private URI source = URI.create("/recipes");
        private String subject;
        private Instant time;
        private String dataContentType;
        private JsonNode data;

        private Builder(String type) {
            this.type = type;
        }

        /**
         * Sets the id; a random UUID by default.
         *
         * @param id unique within the source
         * @return this builder
         */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /**
         * Sets the source; {@code /recipes} by default.
         *
         * @param source a URI reference
         * @return this builder
         */
        public Builder source(URI source) {
            this.source = source;
            return this;
        }

        /**
         * Sets the source from a string.
         *
         * @param source a URI reference such as {@code /slack/T0TEST001}
         * @return this builder
         */
        public Builder source(String source) {
            return source(URI.create(source));
        }

        /**
         * Sets the subject.
         *
         * @param subject what the event is about, or {@code null}
         * @return this builder
         */
        public Builder subject(String subject) {
            this.subject = subject;
            return this;
        }

        /**
         * Sets the time the event happened; the time of {@link #build()} by default.
         *
         * @param time an instant, or {@code null}
         * @return this builder
         */
        public Builder time(Instant time) {
            this.time = time;
            return this;
        }

        /**
         * Sets the data's media type; {@code application/json} by default.
         *
         * @param dataContentType a media type
         * @return this builder
         */
        public Builder dataContentType(String dataContentType) {
            this.dataContentType = dataContentType;
            return this;
        }

        /**
         * Sets the payload.
         *
         * @param data a JSON node, copied when the event is built
         * @return this builder
         */
        public Builder data(JsonNode data) {
            this.data = data;
            return this;
        }

        /**
         * Builds the event.
         *
         * @return the event
         * @throws IllegalArgumentException if an attribute is invalid
         */
        public Event build() {
            Instant at = time == null ? Instant.now() : time;
            return new Event(id, source, type, subject, at, dataContentType, data);
        }
    }
}
