package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Objects;

/**
 * A recipe step that posts a message with the {@code slack/post-message} action. Start one
 * with {@link Slack#postMessage(String)}.
 *
 * <pre>{@code
 * Recipe echo = Recipe.named("echo")
 *         .when(Slack.message().inChannel("C0SALES"))
 *         .then(Slack.postMessage("C0ALERTS")
 *                 .textFrom("/event/text")            // escaped: no forged <!channel>
 *                 .threadTsFrom("/event/ts"))
 *         .build();
 * }</pre>
 *
 * <p>Immutable: every method returns a new step. Each part may be set once; setting it again
 * is an error naming the first value. A step needs text or blocks (or both); Slack shows the
 * text in notifications when blocks are given.
 */
public final class PostMessageStep implements ActionStep {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Mapping channel;
    private final Mapping text;
    private final JsonNode blocks;
    private final Mapping threadTs;
    private final Boolean replyBroadcast;
    // The connection named with as(...), or null: the default one, or with fromEvent the
    // connection of the workspace each event came from.
    private final String connection;
    private final boolean fromEvent;

    private PostMessageStep(Mapping channel, Mapping text, JsonNode blocks, Mapping threadTs,
            Boolean replyBroadcast, String connection, boolean fromEvent) {
        this.channel = channel;
        this.text = text;
        this.blocks = blocks;
        this.threadTs = threadTs;
        this.replyBroadcast = replyBroadcast;
        this.connection = connection;
        this.fromEvent = fromEvent;
    }

    static PostMessageStep to(Mapping channel) {
        return new PostMessageStep(channel, null, null, null, null, null, false);
    }

    /**
     * Sets the text as written, {@code mrkdwn} included; escape any part that comes from
     * outside with {@link SlackText#escape(String)}.
     *
     * @param mrkdwn the text
     * @return a new step with the text set
     * @throws IllegalStateException if the text was set before
     */
    public PostMessageStep text(String mrkdwn) {
        Objects.requireNonNull(mrkdwn, "mrkdwn");
        return withText(described(Mapping.constant(mrkdwn), "'" + mrkdwn + "'"),
                "'" + mrkdwn + "'");
    }

    /**
     * Sets the text to a field of the event, {@linkplain SlackText#escaped(String) escaped}
     * so that it shows as written.
     *
     * @param jsonPointer such as {@code /event/text}
     * @return a new step with the text set
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     * @throws IllegalStateException if the text was set before
     */
    public PostMessageStep textFrom(String jsonPointer) {
        return withText(SlackText.escaped(jsonPointer), jsonPointer);
    }

    /**
     * Sets the text to what a mapping renders, used as it is: the mapping escapes what it
     * takes from outside.
     *
     * @param mapping a thread-safe mapping that renders text
     * @return a new step with the text set
     * @throws IllegalStateException if the text was set before
     */
    public PostMessageStep textMapping(Mapping mapping) {
        return withText(Objects.requireNonNull(mapping, "mapping"), mapping.toString());
    }

    /**
     * Sets Block Kit blocks, the same for every event.
     *
     * @param blocksJson a JSON array of blocks
     * @return a new step with the blocks set
     * @throws IllegalArgumentException if the text is not a non-empty JSON array
     * @throws IllegalStateException if blocks were set before
     */
    public PostMessageStep blocks(String blocksJson) {
        Objects.requireNonNull(blocksJson, "blocksJson");
        JsonNode parsed;
        try {
            parsed = JSON.readTree(blocksJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(subject() + ": blocks are not JSON: "
                    + e.getOriginalMessage());
        }
        if (parsed == null || !parsed.isArray() || parsed.isEmpty()) {
            throw new IllegalArgumentException(subject() + ": blocks must be a non-empty JSON "
                    + "array");
        }
        if (blocks != null) {
            throw new IllegalStateException(subject() + ": blocks are already set to "
                    + blocks + "; set them once");
        }
        return new PostMessageStep(channel, text, parsed, threadTs, replyBroadcast, connection,
                fromEvent);
    }

    /**
     * Posts the message as a reply in a thread.
     *
     * @param ts the {@code ts} of the thread's parent message, such as
     *     {@code 1700000000.000100}
     * @return a new step with the thread set
     * @throws IllegalStateException if the thread was set before
     */
    public PostMessageStep threadTs(String ts) {
        Objects.requireNonNull(ts, "ts");
        return withThread(described(Mapping.constant(ts), "'" + ts + "'"), "'" + ts + "'");
    }

    /**
     * Posts the message as a reply in the thread of a message the event names, such as
     * {@code /event/ts} to answer the triggering message.
     *
     * @param jsonPointer where the event holds the parent's {@code ts}
     * @return a new step with the thread set
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     * @throws IllegalStateException if the thread was set before
     */
    public PostMessageStep threadTsFrom(String jsonPointer) {
        return withThread(Mapping.pointer(jsonPointer), jsonPointer);
    }

    /**
     * Shows a thread reply in the channel too; needs a thread.
     *
     * @param broadcast whether to show it in the channel
     * @return a new step with the flag set
     * @throws IllegalStateException if the flag was set before
     */
    public PostMessageStep replyBroadcast(boolean broadcast) {
        if (replyBroadcast != null) {
            throw new IllegalStateException(subject() + ": reply_broadcast is already "
                    + replyBroadcast + "; set it once");
        }
        return new PostMessageStep(channel, text, blocks, threadTs, broadcast, connection,
                fromEvent);
    }

    /**
     * Names the connection (the workspace's bot token) the message is posted as.
     *
     * @param connectionId a connection id of the {@code slack} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     * @throws IllegalStateException if the connection was chosen before, with this method or
     *     {@link #asEventWorkspace()}
     */
    public PostMessageStep as(String connectionId) {
        // The core's generic step builder holds the rule for connection ids.
        ActionStep.of(SlackService.ID, action()).as(connectionId);
        requireNoConnection("'" + connectionId + "'");
        return new PostMessageStep(channel, text, blocks, threadTs, replyBroadcast,
                connectionId, false);
    }

    /**
     * Posts the message as the installation each event was delivered to, in an engine that
     * serves many workspaces: as the connection {@link SlackWorkspace#connectionIdOf(Event)}
     * names, such as {@code t0acme001} for an event from workspace {@code T0ACME001}. Each
     * workspace's connection holds its own bot token.
     *
     * <p>An event that names no workspace fails the recipe with a {@link MappingException}; an
     * event from a workspace whose connection is not in the store fails its action, which is
     * dead-lettered. Either way the message is never posted as another workspace.
     *
     * @return a new step acting as the event's workspace
     * @throws IllegalStateException if the connection was chosen before, with this method or
     *     {@link #as(String)}
     */
    public PostMessageStep asEventWorkspace() {
        requireNoConnection("the event's workspace");
        return new PostMessageStep(channel, text, blocks, threadTs, replyBroadcast, null, true);
    }

    @Override
    public String service() {
        return SlackService.ID;
    }

    @Override
    public String action() {
        return "post-message";
    }

    /**
     * Returns the connection named with {@link #as(String)}.
     *
     * @return its id, or {@value ActionStep#DEFAULT_CONNECTION} if none was named (also when
     *     the step acts as the event's workspace)
     */
    @Override
    public String connection() {
        return connection == null ? DEFAULT_CONNECTION : connection;
    }

    /**
     * Returns the connection the message is posted as for one event.
     *
     * @param event the triggering event
     * @return the connection of the event's workspace after {@link #asEventWorkspace()}, else
     *     {@link #connection()}
     * @throws MappingException if the step acts as the event's workspace and the event names
     *     none
     */
    @Override
    public String connection(Event event) {
        return fromEvent ? SlackWorkspace.require(event) : connection();
    }

    /**
     * Tells whether the step acts as the event's workspace.
     *
     * @return {@code true} after {@link #asEventWorkspace()}
     */
    @Override
    public boolean connectionFromEvent() {
        return fromEvent;
    }

    /**
     * Refuses a step with neither text nor blocks, and a broadcast without a thread.
     *
     * @throws IllegalStateException if the step is incomplete
     */
    @Override
    public void validate() {
        if (text == null && blocks == null) {
            throw new IllegalStateException(subject() + ": no text and no blocks; add them "
                    + "with text(...), textFrom(...) or blocks(...), and keep the step it "
                    + "returns: steps are immutable");
        }
        if (Boolean.TRUE.equals(replyBroadcast) && threadTs == null) {
            throw new IllegalStateException(subject() + ": replyBroadcast(true) needs a "
                    + "thread; set threadTs(...) or threadTsFrom(...)");
        }
    }

    /**
     * Renders the parameters {@code channel}, {@code text}, {@code blocks},
     * {@code thread_ts} and {@code reply_broadcast}, those that are set.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if a field is missing or the text or thread is not text
     */
    @Override
    public ObjectNode render(Event event) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.set("channel", textual("channel", channel.apply(event), event));
        if (text != null) {
            params.set("text", textual("text", text.apply(event), event));
        }
        if (blocks != null) {
            params.set("blocks", blocks.deepCopy());
        }
        if (threadTs != null) {
            params.set("thread_ts", textual("thread_ts", threadTs.apply(event), event));
        }
        if (replyBroadcast != null) {
            params.put("reply_broadcast", replyBroadcast);
        }
        return params;
    }

    private JsonNode textual(String name, JsonNode value, Event event) {
        if (value == null || !value.isTextual()) {
            throw new MappingException(name, subject() + ": '" + name + "' rendered "
                    + (value == null ? "nothing" : "a JSON " + value.getNodeType())
                    + " for event '" + event.id() + "'; it must be text");
        }
        return value;
    }

    private PostMessageStep withText(Mapping mapping, String shown) {
        if (text != null) {
            throw new IllegalStateException(subject() + ": text is already set to " + text
                    + "; set it once (not " + shown + ")");
        }
        return new PostMessageStep(channel, mapping, blocks, threadTs, replyBroadcast,
                connection, fromEvent);
    }

    private PostMessageStep withThread(Mapping mapping, String shown) {
        if (threadTs != null) {
            throw new IllegalStateException(subject() + ": thread is already set to "
                    + threadTs + "; set it once (not " + shown + ")");
        }
        return new PostMessageStep(channel, text, blocks, mapping, replyBroadcast, connection,
                fromEvent);
    }

    static Mapping described(Mapping mapping, String description) {
        return new Mapping() {
            @Override
            public JsonNode apply(Event event) {
                return mapping.apply(event);
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }

    private void requireNoConnection(String wanted) {
        if (connection != null || fromEvent) {
            throw new IllegalStateException(subject() + ": already acts as " + shownConnection()
                    + "; choose the connection once (not " + wanted + ")");
        }
    }

    private String shownConnection() {
        return fromEvent ? "the event's workspace" : "'" + connection + "'";
    }

    private String subject() {
        return "post-message step to " + channel;
    }

    @Override
    public String toString() {
        return "PostMessageStep[slack/post-message to " + channel + (text == null ? ""
                : ", text " + text) + (blocks == null ? "" : ", " + blocks.size() + " blocks")
                + (threadTs == null ? "" : ", thread " + threadTs) + ", as "
                + (fromEvent ? "the event's workspace" : connection()) + "]";
    }
}
