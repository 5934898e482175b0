package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A trigger on Slack events of one type, narrowed by selectors on the fields of the inner
 * event. Get one from {@link Slack#message()} or {@link Slack#event(String)}.
 *
 * <pre>{@code
 * Trigger orders = Slack.message()
 *         .inChannel("C0SALES")
 *         .fromUser("U0ALICE")
 *         .containing("order");
 * }</pre>
 *
 * <p>Each selector returns a new trigger; an event must pass all of them. Selectors read
 * {@code /event/channel}, {@code /event/user} and {@code /event/text} of the event's data (the
 * Events API envelope), so they fit events that carry those fields, such as {@code message} and
 * {@code app_mention}. An event without the field a selector needs does not match; events that
 * keep it elsewhere (a {@code reaction_added} has its channel at {@code /event/item/channel})
 * need a recipe filter instead.
 *
 * <p>Immutable and thread-safe. Triggers with the same type and selectors are equal.
 */
public final class SlackTrigger implements Trigger {

    private static final JsonPointer CHANNEL = JsonPointer.compile("/event/channel");
    private static final JsonPointer USER = JsonPointer.compile("/event/user");
    private static final JsonPointer TEXT = JsonPointer.compile("/event/text");

    private final String eventType;
    private final String channel;
    private final String user;
    private final List<String> fragments;

    SlackTrigger(String eventType) {
        this(eventType, null, null, List.of());
    }

    private SlackTrigger(String eventType, String channel, String user, List<String> fragments) {
        this.eventType = eventType;
        this.channel = channel;
        this.user = user;
        this.fragments = fragments;
    }

    /**
     * Returns a trigger that also requires the event to be in a channel.
     *
     * @param channelId a channel id such as {@code C0SALES}, compared exactly with
     *     {@code /event/channel}
     * @return a new trigger
     * @throws IllegalArgumentException if the id is blank
     * @throws IllegalStateException if this trigger already selects a channel
     */
    public SlackTrigger inChannel(String channelId) {
        requireSelector(channelId, "channel");
        if (channel != null) {
            throw new IllegalStateException(this + ": channel is already '" + channel
                    + "'; an event is in one channel");
        }
        return new SlackTrigger(eventType, channelId, user, fragments);
    }

    /**
     * Returns a trigger that also requires the event to come from a user.
     *
     * @param userId a user id such as {@code U0ALICE}, compared exactly with {@code /event/user}
     * @return a new trigger
     * @throws IllegalArgumentException if the id is blank
     * @throws IllegalStateException if this trigger already selects a user
     */
    public SlackTrigger fromUser(String userId) {
        requireSelector(userId, "user");
        if (user != null) {
            throw new IllegalStateException(this + ": user is already '" + user
                    + "'; an event comes from one user");
        }
        return new SlackTrigger(eventType, channel, userId, fragments);
    }

    /**
     * Returns a trigger that also requires the event's text to contain a fragment. Calling it
     * again adds another fragment, which the text must contain too.
     *
     * <p>The match is exact and case-sensitive, on the text as Slack sends it: mentions read
     * {@code <@U0ALICE>} and {@code &}, {@code <}, {@code >} are escaped as {@code &amp;},
     * {@code &lt;}, {@code &gt;}. For other matching, use a recipe filter.
     *
     * @param fragment the text to look for in {@code /event/text}, not empty
     * @return a new trigger
     * @throws IllegalArgumentException if the fragment is empty
     */
    public SlackTrigger containing(String fragment) {
        Objects.requireNonNull(fragment, "fragment");
        if (fragment.isEmpty()) {
            throw new IllegalArgumentException(this + ": text fragment is empty");
        }
        List<String> more = new ArrayList<>(fragments);
        more.add(fragment);
        return new SlackTrigger(eventType, channel, user, List.copyOf(more));
    }

    /**
     * Returns the type of the events this trigger selects.
     *
     * @return {@code slack.} followed by the Slack event type, such as {@code slack.message}
     */
    @Override
    public String eventType() {
        return eventType;
    }

    /**
     * Tells whether an event has this trigger's type and passes all of its selectors.
     *
     * @param event an event published by the Slack service
     * @return {@code true} if the event matches
     */
    @Override
    public boolean matches(Event event) {
        if (!eventType.equals(event.type())) {
            return false;
        }
        JsonNode data = event.data();
        return (channel == null || channel.equals(text(data, CHANNEL)))
                && (user == null || user.equals(text(data, USER)))
                && containsAll(text(data, TEXT));
    }

    private boolean containsAll(String text) {
        if (fragments.isEmpty()) {
            return true;
        }
        if (text == null) {
            return false;
        }
        for (String fragment : fragments) {
            if (!text.contains(fragment)) {
                return false;
            }
        }
        return true;
    }

    private static String text(JsonNode data, JsonPointer pointer) {
        JsonNode value = data.at(pointer);
        return value.isTextual() ? value.asText() : null;
    }

    private void requireSelector(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(this + ": " + what + " id is blank");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlackTrigger that
                && eventType.equals(that.eventType)
                && Objects.equals(channel, that.channel)
                && Objects.equals(user, that.user)
                && fragments.equals(that.fragments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventType, channel, user, fragments);
    }

    /**
     * Returns the trigger as the Java that builds it, such as
     * {@code Slack.message().inChannel("C0SALES")}.
     */
    @Override
    public String toString() {
        String slackType = eventType.substring(Slack.EVENT_TYPE_PREFIX.length());
        StringBuilder text = new StringBuilder("Slack.");
        text.append("message".equals(slackType)
                ? "message()" : "event(\"" + slackType + "\")");
        if (channel != null) {
            text.append(".inChannel(\"").append(channel).append("\")");
        }
        if (user != null) {
            text.append(".fromUser(\"").append(user).append("\")");
        }
        fragments.forEach(fragment ->
                text.append(".containing(\"").append(fragment).append("\")"));
        return text.toString();
    }
}
