package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A trigger on Slack events of one type, narrowed by selectors on their fields. Get one from
 * the factories of {@link Slack}, such as {@link Slack#message()},
 * {@link Slack#reactionAdded()} or {@link Slack#slashCommand(String)}.
 *
 * <pre>{@code
 * Trigger orders = Slack.message()
 *         .inChannel("C0SALES")
 *         .fromUser("U0ALICE")
 *         .containingIgnoringCase("order");
 * Trigger botEdits = Slack.message().fromBots().inChannel("C0SALES");
 * }</pre>
 *
 * <p>Each selector returns a new trigger; an event must pass all of them. Selectors read the
 * fields where the event's type keeps them: a message's channel at {@code /event/channel}, a
 * reaction's at {@code /event/item/channel}, a slash command's at {@code /channel_id}, an
 * interaction's at {@code /channel/id}. An event without the field a selector needs does not
 * match. In an engine that serves many workspaces, {@link #fromWorkspace(String)} selects the
 * events delivered to one installation of the app.
 *
 * <p>{@link Slack#message()} selects new messages posted by people, thread replies included;
 * {@link #fromBots()}, {@link #edits()}, {@link #deletions()} and {@link #allKinds()} select
 * other kinds of message events instead. On edits, {@code fromUser}, {@code containing} and the
 * thread selectors read the message as it is now ({@code /event/message}); on deletions, the
 * message as it was ({@code /event/previous_message}).
 *
 * <p>Immutable and thread-safe. Triggers that select the same events the same way are equal
 * and print as the Java that builds them.
 */
public final class SlackTrigger implements Trigger {

    // Subtypes Slack gives messages a person posts, which Slack.message() keeps selecting.
    private static final Set<String> NEW_MESSAGE_SUBTYPES =
            Set.of("thread_broadcast", "file_share", "me_message");
    private static final String MESSAGE = Slack.eventType("message");

    /** Which message events a message trigger selects. */
    private enum Kind {
        PEOPLE(""), BOTS(".fromBots()"), EDITS(".edits()"), DELETIONS(".deletions()"),
        ALL(".allKinds()");

        private final String call;

        Kind(String call) {
            this.call = call;
        }
    }

    private record Fragment(String text, boolean ignoreCase) {

        boolean foundIn(String haystack) {
            return ignoreCase
                    ? haystack.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT))
                    : haystack.contains(text);
        }

        String call() {
            return (ignoreCase ? ".containingIgnoringCase(" : ".containing(") + quote(text) + ")";
        }
    }

    private final SlackShape shape;
    private final String key;
    private final Kind kind;
    private final String channel;
    private final String user;
    private final String team;
    private final String workspace;
    private final String reaction;
    private final String thread;
    private final boolean threadReplies;
    private final List<Fragment> fragments;
    private final List<Pattern> patterns;

    SlackTrigger(SlackShape shape, String key) {
        this(shape, key, shape.eventType().equals(MESSAGE) ? Kind.PEOPLE : null, null, null,
                null, null, null, null, false, List.of(), List.of());
    }

    private SlackTrigger(SlackShape shape, String key, Kind kind, String channel, String user,
            String team, String workspace, String reaction, String thread, boolean threadReplies,
            List<Fragment> fragments, List<Pattern> patterns) {
        this.shape = shape;
        this.key = key;
        this.kind = kind;
        this.channel = channel;
        this.user = user;
        this.team = team;
        this.workspace = workspace;
        this.reaction = reaction;
        this.thread = thread;
        this.threadReplies = threadReplies;
        this.fragments = fragments;
        this.patterns = patterns;
    }

    /**
     * Returns a trigger that also requires the event to be in a channel.
     *
     * @param channelId a channel id such as {@code C0SALES}, compared exactly
     * @return a new trigger
     * @throws IllegalArgumentException if the id is blank
     * @throws IllegalStateException if this trigger already selects a channel
     */
    public SlackTrigger inChannel(String channelId) {
        requireSelector(channelId, "channel id");
        requireField(shape.channel(), "inChannel(...)", "channel");
        requireUnset(channel, "channel", "an event is in one channel");
        return new SlackTrigger(shape, key, kind, channelId, user, team, workspace, reaction,
                thread, threadReplies, fragments, patterns);
    }

    /**
     * Returns a trigger that also requires the event to come from a user.
     *
     * @param userId a user id such as {@code U0ALICE}, compared exactly
     * @return a new trigger
     * @throws IllegalArgumentException if the id is blank
     * @throws IllegalStateException if this trigger already selects a user
     */
    public SlackTrigger fromUser(String userId) {
        requireSelector(userId, "user id");
        requireField(shape.user(), "fromUser(...)", "user");
        requireUnset(user, "user", "an event comes from one user");
        return new SlackTrigger(shape, key, kind, channel, userId, team, workspace, reaction,
                thread, threadReplies, fragments, patterns);
    }

    /**
     * Returns a trigger that also requires the event to come from a workspace.
     *
     * @param teamId a workspace id such as {@code T0ACME}, compared exactly with the
     *     {@code team_id} of the envelope (or the team of an interaction)
     * @return a new trigger
     * @throws IllegalArgumentException if the id is blank
     * @throws IllegalStateException if this trigger already selects a workspace
     */
    public SlackTrigger inTeam(String teamId) {
        requireSelector(teamId, "team id");
        requireField(shape.team(), "inTeam(...)", "workspace");
        requireUnset(team, "team", "an event comes from one workspace");
        return new SlackTrigger(shape, key, kind, channel, user, teamId, workspace, reaction,
                thread, threadReplies, fragments, patterns);
    }

    /**
     * Returns a trigger that also requires the event to be delivered to one installation of the
     * app, named by its connection id: in an engine that serves many workspaces, a recipe for
     * one of them. The installation is the one {@link SlackWorkspace#connectionIdOf(Event)}
     * reads from the event; unlike {@link #inTeam(String)}, which compares the workspace the
     * event happened in, it stays the receiving installation when a message comes from another
     * org through a shared channel.
     *
     * <pre>{@code
     * Recipe acme = Recipe.named("acme-orders")
     *         .when(Slack.message().fromWorkspace("t0acme001").containing("order"))
     *         .then(Slack.postMessage("C0ORDERS").textFrom("/event/text").as("t0acme001"))
     *         .build();
     * }</pre>
     *
     * @param connectionId a connection id as {@link SlackWorkspace#connectionId} makes it,
     *     such as {@code t0acme001}, {@code e0ent001.t0acme001} or, for an org-wide install,
     *     {@code e0ent001}
     * @return a new trigger
     * @throws IllegalArgumentException if the id is not such a connection id (a Slack id such
     *     as {@code T0ACME001} is refused: give it in lower case)
     * @throws IllegalStateException if this trigger already selects an installation
     */
    public SlackTrigger fromWorkspace(String connectionId) {
        requireSelector(connectionId, "workspace connection id");
        if (!SlackWorkspace.isConnectionId(connectionId)) {
            throw new IllegalArgumentException(this + ": '"
                    + EventsApiHandler.abbreviate(connectionId) + "' is not the connection id "
                    + "of a Slack workspace, such as 't0acme001', 'e0ent001.t0acme001' or "
                    + "'e0ent001'; SlackWorkspace.connectionId(...) makes it from Slack's ids");
        }
        requireUnset(workspace, "workspace", "an event is delivered to one installation");
        return new SlackTrigger(shape, key, kind, channel, user, team, connectionId, reaction,
                thread, threadReplies, fragments, patterns);
    }

    /**
     * Returns a trigger that also requires the event's text to contain a fragment. Calling it
     * again adds another fragment, which the text must contain too.
     *
     * <p>The match is exact and case-sensitive, on the text as Slack sends it: mentions read
     * {@code <@U0ALICE>} and {@code &}, {@code <}, {@code >} are escaped as {@code &amp;},
     * {@code &lt;}, {@code &gt;}.
     *
     * @param fragment the text to look for, not empty
     * @return a new trigger
     * @throws IllegalArgumentException if the fragment is empty
     */
    public SlackTrigger containing(String fragment) {
        return withFragment(fragment, false);
    }

    /**
     * Returns a trigger that also requires the event's text to contain a fragment, ignoring
     * case (compared in lower case, {@link Locale#ROOT}). Otherwise as
     * {@link #containing(String)}.
     *
     * @param fragment the text to look for, not empty
     * @return a new trigger
     * @throws IllegalArgumentException if the fragment is empty
     */
    public SlackTrigger containingIgnoringCase(String fragment) {
        return withFragment(fragment, true);
    }

    /**
     * Returns a trigger that also requires a regular expression to be found in the event's
     * text ({@link java.util.regex.Matcher#find()}: anchor it with {@code ^}/{@code $} to match
     * the whole text). Calling it again adds another pattern, which must be found too.
     *
     * @param pattern the pattern, with any flags it was compiled with
     * @return a new trigger
     */
    public SlackTrigger matching(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        requireField(shape.text(), "matching(...)", "text");
        List<Pattern> more = new ArrayList<>(patterns);
        more.add(pattern);
        return new SlackTrigger(shape, key, kind, channel, user, team, workspace, reaction, thread,
                threadReplies, fragments, List.copyOf(more));
    }

    /**
     * Returns a message trigger that selects messages posted by bots and apps (those with a
     * {@code bot_id} or subtype {@code bot_message}) instead of messages posted by people.
     *
     * @return a new trigger
     * @throws IllegalStateException if this is not a message trigger, or already selects
     *     another kind of message event
     */
    public SlackTrigger fromBots() {
        return withKind(Kind.BOTS);
    }

    /**
     * Returns a message trigger that selects people's edits (subtype {@code message_changed}
     * whose new version is marked {@code edited} and was not made by a bot) instead of new
     * messages; link unfurls and a bot's updates, the app's own included, are not edits.
     *
     * @return a new trigger
     * @throws IllegalStateException if this is not a message trigger, or already selects
     *     another kind of message event
     */
    public SlackTrigger edits() {
        return withKind(Kind.EDITS);
    }

    /**
     * Returns a message trigger that selects deletions (subtype {@code message_deleted})
     * instead of new messages.
     *
     * @return a new trigger
     * @throws IllegalStateException if this is not a message trigger, or already selects
     *     another kind of message event
     */
    public SlackTrigger deletions() {
        return withKind(Kind.DELETIONS);
    }

    /**
     * Returns a message trigger that selects every message event, whatever its subtype or
     * sender, bots (and so this app's own messages) included.
     *
     * @return a new trigger
     * @throws IllegalStateException if this is not a message trigger, or already selects
     *     another kind of message event
     */
    public SlackTrigger allKinds() {
        return withKind(Kind.ALL);
    }

    /**
     * Returns a trigger that also requires the message to be a reply in a thread: its
     * {@code thread_ts} is set and differs from its own {@code ts}.
     *
     * @return a new trigger
     * @throws IllegalStateException if this trigger is not on messages or mentions, or already
     *     selects thread replies
     */
    public SlackTrigger threadReplies() {
        requireThreaded("threadReplies()");
        if (threadReplies || thread != null) {
            throw new IllegalStateException(this + ": already selects thread replies");
        }
        return new SlackTrigger(shape, key, kind, channel, user, team, workspace, reaction, null,
                true, fragments, patterns);
    }

    /**
     * Returns a trigger that also requires the message to be a reply in one thread: its
     * {@code thread_ts} equals the given parent {@code ts}, and its own {@code ts} differs.
     *
     * @param threadTs the {@code ts} of the thread's parent message, such as
     *     {@code 1700000100.000200}
     * @return a new trigger
     * @throws IllegalArgumentException if the timestamp is blank
     * @throws IllegalStateException if this trigger is not on messages or mentions, or already
     *     selects thread replies
     */
    public SlackTrigger inThread(String threadTs) {
        requireSelector(threadTs, "thread ts");
        requireThreaded("inThread(...)");
        if (threadReplies || thread != null) {
            throw new IllegalStateException(this + ": already selects thread replies");
        }
        return new SlackTrigger(shape, key, kind, channel, user, team, workspace, reaction,
                threadTs, false, fragments, patterns);
    }

    /**
     * Returns a reaction trigger that also requires the reaction to be one emoji.
     *
     * @param emoji the emoji name without colons, such as {@code eyes} or
     *     {@code white_check_mark}, compared exactly with {@code /event/reaction}
     * @return a new trigger
     * @throws IllegalArgumentException if the name is blank or holds a colon
     * @throws IllegalStateException if this is not a reaction trigger, or already selects an
     *     emoji
     */
    public SlackTrigger named(String emoji) {
        requireSelector(emoji, "emoji name");
        if (emoji.indexOf(':') >= 0) {
            throw new IllegalArgumentException(this + ": emoji '" + emoji
                    + "' holds a colon; give the name alone, such as 'eyes'");
        }
        if (shape.reaction() == null) {
            throw new IllegalStateException(this + ": named(...) selects reactions; use it on "
                    + "Slack.reactionAdded() or Slack.event(\"reaction_removed\")");
        }
        requireUnset(reaction, "emoji", "a reaction is one emoji");
        return new SlackTrigger(shape, key, kind, channel, user, team, workspace, emoji, thread,
                threadReplies, fragments, patterns);
    }

    /**
     * Returns the type of the events this trigger selects.
     *
     * @return {@code slack.} followed by the Slack type, such as {@code slack.message} or
     *     {@code slack.slash_command}
     */
    @Override
    public String eventType() {
        return shape.eventType();
    }

    /**
     * Tells whether an event has this trigger's type and passes all of its selectors.
     *
     * @param event an event published by the Slack service
     * @return {@code true} if the event matches
     */
    @Override
    public boolean matches(Event event) {
        if (!shape.eventType().equals(event.type())) {
            return false;
        }
        JsonNode data = event.data();
        JsonNode message = messageOf(data);
        JsonNode author = kind == null ? SlackShape.at(data, shape.user()) : message.path("user");
        JsonNode text = kind == null ? SlackShape.at(data, shape.text()) : message.path("text");
        return (key == null || shape.hasKey(data, key))
                && (kind == null || isKind(data.path("event")))
                && equal(channel, SlackShape.at(data, shape.channel()))
                && equal(user, author)
                && equal(team, SlackShape.at(data, shape.team()))
                && (workspace == null
                        || workspace.equals(SlackWorkspace.connectionIdOf(event).orElse(null)))
                && equal(reaction, SlackShape.at(data, shape.reaction()))
                && inThread(message)
                && textMatches(text);
    }

    /**
     * Returns the key the engine indexes this trigger's recipes by: the channel if the trigger
     * selects one, else the workspace ({@link #inTeam(String)}), else the reaction.
     *
     * @return the key, or empty if the trigger selects none of these
     */
    @Override
    public Optional<IndexKey> indexKey() {
        if (channel != null) {
            return Optional.of(IndexKey.dataAt(shape.channel().toString(), channel));
        }
        if (team != null) {
            return Optional.of(IndexKey.dataAt(shape.team().toString(), team));
        }
        if (reaction != null) {
            return Optional.of(IndexKey.dataAt(shape.reaction().toString(), reaction));
        }
        return Optional.empty();
    }

    // The message a message event is about: the new version of an edit, the old one of a
    // deletion, else the event itself.
    private JsonNode messageOf(JsonNode data) {
        JsonNode inner = data.path("event");
        if (kind == Kind.EDITS) {
            return inner.path("message");
        }
        if (kind == Kind.DELETIONS) {
            return inner.path("previous_message");
        }
        return inner;
    }

    private boolean isKind(JsonNode inner) {
        String subtype = inner.path("subtype").isTextual() ? inner.path("subtype").asText() : null;
        boolean byBot = inner.hasNonNull("bot_id") || "bot_message".equals(subtype);
        return switch (kind) {
            case PEOPLE -> !byBot && (subtype == null || NEW_MESSAGE_SUBTYPES.contains(subtype));
            case BOTS -> byBot && !"message_changed".equals(subtype)
                    && !"message_deleted".equals(subtype);
            // A person's edit: Slack marks the new version 'edited'. Changes a bot made
            // (such as the app's own chat.update) and link unfurls are left out, so a recipe
            // that updates messages on edits cannot feed itself.
            case EDITS -> "message_changed".equals(subtype)
                    && inner.path("message").hasNonNull("edited")
                    && !inner.path("message").hasNonNull("bot_id");
            case DELETIONS -> "message_deleted".equals(subtype);
            case ALL -> true;
        };
    }

    private boolean inThread(JsonNode message) {
        if (!threadReplies && thread == null) {
            return true;
        }
        JsonNode parent = message.path("thread_ts");
        JsonNode ts = message.path("ts");
        boolean reply = parent.isTextual() && !parent.asText().equals(ts.asText(null));
        return reply && (thread == null || thread.equals(parent.asText()));
    }

    private boolean textMatches(JsonNode node) {
        if (fragments.isEmpty() && patterns.isEmpty()) {
            return true;
        }
        if (!node.isTextual()) {
            return false;
        }
        String text = node.asText();
        return fragments.stream().allMatch(fragment -> fragment.foundIn(text))
                && patterns.stream().allMatch(pattern -> pattern.matcher(text).find());
    }

    private static boolean equal(String wanted, JsonNode actual) {
        return wanted == null || (actual.isTextual() && wanted.equals(actual.asText()));
    }

    private SlackTrigger withFragment(String fragment, boolean ignoreCase) {
        Objects.requireNonNull(fragment, "fragment");
        requireField(shape.text(), ignoreCase ? "containingIgnoringCase(...)" : "containing(...)",
                "text");
        if (fragment.isEmpty()) {
            throw new IllegalArgumentException(this + ": text fragment is empty");
        }
        List<Fragment> more = new ArrayList<>(fragments);
        more.add(new Fragment(fragment, ignoreCase));
        return new SlackTrigger(shape, key, kind, channel, user, team, workspace, reaction, thread,
                threadReplies, List.copyOf(more), patterns);
    }

    private SlackTrigger withKind(Kind wanted) {
        if (kind == null) {
            throw new IllegalStateException(this + ": " + wanted.call.substring(1)
                    + " selects message events; use it on Slack.message()");
        }
        if (kind != Kind.PEOPLE) {
            throw new IllegalStateException(this + ": already selects " + kind.call.substring(1)
                    + "; a message trigger selects one kind of message event");
        }
        return new SlackTrigger(shape, key, wanted, channel, user, team, workspace, reaction,
                thread, threadReplies, fragments, patterns);
    }

    private void requireThreaded(String call) {
        if (!shape.threaded()) {
            throw new IllegalStateException(this + ": " + call + " selects messages; use it on "
                    + "Slack.message() or Slack.appMention()");
        }
    }

    private void requireUnset(String current, String what, String why) {
        if (current != null) {
            throw new IllegalStateException(this + ": " + what + " is already '" + current
                    + "'; " + why);
        }
    }

    // A selector on a field the events do not carry would never match: refused when built.
    // Message triggers read the message itself, which has every field.
    private void requireField(JsonPointer field, String call, String what) {
        if (field == null && kind == null) {
            throw new IllegalStateException(this + ": " + call + " cannot apply: these events "
                    + "carry no " + what);
        }
    }

    private void requireSelector(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(this + ": " + what + " is blank");
        }
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private List<String> patternKeys() {
        return patterns.stream().map(p -> p.flags() + "/" + p.pattern()).toList();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlackTrigger that
                && shape.eventType().equals(that.shape.eventType())
                && Objects.equals(key, that.key)
                && kind == that.kind
                && Objects.equals(channel, that.channel)
                && Objects.equals(user, that.user)
                && Objects.equals(team, that.team)
                && Objects.equals(workspace, that.workspace)
                && Objects.equals(reaction, that.reaction)
                && Objects.equals(thread, that.thread)
                && threadReplies == that.threadReplies
                && fragments.equals(that.fragments)
                && patternKeys().equals(that.patternKeys());
    }

    @Override
    public int hashCode() {
        return Objects.hash(shape.eventType(), key, kind, channel, user, team, workspace,
                reaction, thread, threadReplies, fragments, patternKeys());
    }

    /**
     * Returns the trigger as the Java that builds it, such as
     * {@code Slack.message().inChannel("C0SALES")}.
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Slack.").append(shape.factory(key));
        if (kind != null) {
            text.append(kind.call);
        }
        append(text, ".inChannel(", channel);
        append(text, ".fromUser(", user);
        append(text, ".inTeam(", team);
        append(text, ".fromWorkspace(", workspace);
        append(text, ".named(", reaction);
        append(text, ".inThread(", thread);
        if (threadReplies) {
            text.append(".threadReplies()");
        }
        fragments.forEach(fragment -> text.append(fragment.call()));
        patterns.forEach(pattern -> text.append(".matching(Pattern.compile(")
                .append(quote(pattern.pattern()))
                .append(pattern.flags() == 0 ? "" : ", " + pattern.flags()).append("))"));
        return text.toString();
    }

    private static void append(StringBuilder text, String call, String value) {
        if (value != null) {
            text.append(call).append(quote(value)).append(')');
        }
    }
}
