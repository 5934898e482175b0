package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The connection each Slack installation of the app runs as, in an engine that serves many
 * workspaces: one connection of the {@code slack} service per installation, whose id comes
 * from the installation's Slack ids.
 *
 * <ul>
 *   <li>a workspace on its own: the team id in lower case, {@code T0TEST001} gives
 *       {@code t0test001};</li>
 *   <li>a workspace of an Enterprise Grid org, installed on its own: enterprise and team,
 *       {@code e0ent001.t0test001};</li>
 *   <li>an org-wide install ({@code is_enterprise_install}): the enterprise alone,
 *       {@code e0ent001}.</li>
 * </ul>
 *
 * <pre>{@code
 * engine.connections().put(Connection.builder("slack",
 *                 SlackWorkspace.connectionId(null, "T0TEST001", false))
 *         .secret("bot-token", botToken)
 *         .build());
 *
 * Recipe echo = Recipe.named("echo")
 *         .when(Slack.message().containing("ping"))
 *         .then(Slack.postMessage(Mapping.pointer("/event/channel"))
 *                 .text("pong")
 *                 .asEventWorkspace())
 *         .build();
 * }</pre>
 *
 * <p>{@link #connectionIdOf(Event)} finds the installation an event was delivered to, so that
 * a recipe answers as the workspace it heard from ({@link PostMessageStep#asEventWorkspace()},
 * or {@code ActionStep.Builder.as(Slack.eventWorkspace())} for the other actions) and a
 * trigger selects one installation ({@link SlackTrigger#fromWorkspace(String)}).
 */
public final class SlackWorkspace {

    private static final Pattern TEAM_ID = Pattern.compile("T[A-Z0-9]{1,31}");
    private static final Pattern ENTERPRISE_ID = Pattern.compile("E[A-Z0-9]{1,31}");
    private static final Pattern CONNECTION_ID =
            Pattern.compile("(e[a-z0-9]{1,31}\\.)?t[a-z0-9]{1,31}|e[a-z0-9]{1,31}");

    private static final Mapping OF_EVENT = new Mapping() {
        @Override
        public JsonNode apply(Event event) {
            return TextNode.valueOf(require(event));
        }

        @Override
        public String toString() {
            return "Slack.eventWorkspace()";
        }
    };

    private SlackWorkspace() {
    }

    /**
     * Returns the id of the connection an installation of the app runs as.
     *
     * @param enterpriseId the Enterprise Grid org, such as {@code E0ENT001}, or {@code null}
     *     for a workspace outside any org
     * @param teamId the workspace, such as {@code T0TEST001}; may be {@code null} for an
     *     org-wide install, and is then not part of the id
     * @param enterpriseInstall whether the app is installed on the whole org
     *     ({@code is_enterprise_install})
     * @return {@code t0test001}, {@code e0ent001.t0test001} or, org-wide, {@code e0ent001}
     * @throws IllegalArgumentException if an id is not a Slack id (a team id is {@code T} and
     *     up to 31 capital letters and digits, an enterprise id the same with {@code E}), if an
     *     org-wide install has no enterprise, or another install no team
     */
    public static String connectionId(String enterpriseId, String teamId,
            boolean enterpriseInstall) {
        if (enterpriseId != null) {
            requireSlackId(enterpriseId, ENTERPRISE_ID, "enterprise id", "E0ENT001");
        }
        if (teamId != null) {
            requireSlackId(teamId, TEAM_ID, "team id", "T0TEST001");
        }
        if (enterpriseInstall) {
            if (enterpriseId == null) {
                throw new IllegalArgumentException("slack workspace: an org-wide install "
                        + "needs an enterprise id" + (teamId == null ? ""
                                : " (team '" + teamId + "' alone does not name the org)"));
            }
            return lower(enterpriseId);
        }
        if (teamId == null) {
            throw new IllegalArgumentException("slack workspace: a workspace install needs a "
                    + "team id" + (enterpriseId == null ? ""
                            : "; for an org-wide install of '" + enterpriseId
                                    + "' pass enterpriseInstall true"));
        }
        return enterpriseId == null ? lower(teamId) : lower(enterpriseId) + "." + lower(teamId);
    }

    /**
     * Returns the id of the connection of the installation an event was delivered to, read
     * from the event's data as the Slack service publishes it, over HTTP or Socket Mode alike.
     * <ul>
     *   <li>Events API events: the first {@code authorizations} entry, which names the
     *       installation even when a message comes from another org through a shared
     *       channel; without one, the envelope's {@code team_id}, {@code enterprise_id} and
     *       {@code is_enterprise_install};</li>
     *   <li>slash commands: the form fields {@code team_id}, {@code enterprise_id} and
     *       {@code is_enterprise_install} ({@code "true"} or {@code "false"});</li>
     *   <li>interactions: {@code enterprise.id} (or {@code team.enterprise_id}),
     *       {@code is_enterprise_install}, and the team from
     *       {@code view.app_installed_team_id}, else {@code team.id}, else
     *       {@code user.team_id}.</li>
     * </ul>
     *
     * <p>An interaction in a channel shared with another org, other than a modal's, names the
     * team of the user who acted, which may not be the installation that posted the message.
     *
     * @param event an event published by the Slack service
     * @return the connection id, or empty if the event names no workspace (or, for an
     *     org-wide install, no enterprise) or its ids are not Slack ids
     */
    public static Optional<String> connectionIdOf(Event event) {
        Objects.requireNonNull(event, "event");
        Found found = find(event.data());
        return Optional.ofNullable(found.id());
    }

    /**
     * Returns the mapping behind {@link Slack#eventWorkspace()}: the connection id of the
     * installation the event was delivered to, as a JSON string.
     *
     * @return the mapping; it throws {@link MappingException} for an event that names no
     *     Slack workspace, which fails the recipe for that event
     */
    static Mapping ofEvent() {
        return OF_EVENT;
    }

    /** Tells whether a text is a connection id this class can make. */
    static boolean isConnectionId(String connectionId) {
        return CONNECTION_ID.matcher(connectionId).matches();
    }

    /** Returns the event's connection id, or throws a mapping error saying why there is none. */
    static String require(Event event) {
        Found found = find(event.data());
        if (found.id() == null) {
            throw new MappingException("connection", "event '" + event.id() + "' of type '"
                    + event.type() + "' " + found.problem() + ", so it names no workspace "
                    + "connection to act as");
        }
        return found.id();
    }

    /** A connection id, or what kept the event from naming one. */
    private record Found(String id, String problem) {
    }

    private static Found find(JsonNode data) {
        JsonNode authorization = data.path("authorizations").path(0);
        if (authorization.isObject()) {
            return found(text(authorization.path("enterprise_id")),
                    text(authorization.path("team_id")),
                    isTrue(authorization.path("is_enterprise_install")));
        }
        return found(enterpriseOf(data), teamOf(data), isTrue(data.path("is_enterprise_install")));
    }

    private static Found found(String enterpriseId, String teamId, boolean enterpriseInstall) {
        if (enterpriseInstall && enterpriseId == null) {
            return new Found(null, "carries no Slack enterprise for its org-wide install");
        }
        if (!enterpriseInstall && teamId == null) {
            return new Found(null, "carries no Slack team");
        }
        try {
            return new Found(connectionId(enterpriseId, enterpriseInstall ? null : teamId,
                    enterpriseInstall), null);
        } catch (IllegalArgumentException e) {
            return new Found(null, "names its workspace by ids that are not Slack ids ("
                    + e.getMessage() + ")");
        }
    }

    // An interaction names its org in 'enterprise' (an object, or null outside Grid) or in
    // 'team.enterprise_id'; a slash command and an envelope in 'enterprise_id'.
    private static String enterpriseOf(JsonNode data) {
        String id = idOf(data.path("enterprise"));
        if (id == null) {
            id = text(data.path("enterprise_id"));
        }
        return id != null ? id : text(data.path("team").path("enterprise_id"));
    }

    // A modal opened through a shared channel names the installation's team apart from the
    // team of the user; with an org-wide install, 'team' may be null.
    // Limitation: other interactions in a shared channel name only the clicking user's team,
    // which may differ from the installation whose message was clicked.
    private static String teamOf(JsonNode data) {
        String id = text(data.path("view").path("app_installed_team_id"));
        if (id == null) {
            id = idOf(data.path("team"));
        }
        if (id == null) {
            id = text(data.path("team_id"));
        }
        return id != null ? id : text(data.path("user").path("team_id"));
    }

    private static String idOf(JsonNode node) {
        return node.isObject() ? text(node.path("id")) : text(node);
    }

    // Socket Mode rebuilds a slash command's form from its JSON payload and writes a JSON null
    // as the text 'null'; no Slack id reads so.
    private static String text(JsonNode node) {
        if (!node.isTextual()) {
            return null;
        }
        String value = node.asText();
        return value.isBlank() || value.equals("null") ? null : value;
    }

    // A boolean in JSON, the text 'true' in a slash command's form.
    private static boolean isTrue(JsonNode node) {
        return node.isBoolean() ? node.asBoolean() : "true".equals(node.asText(null));
    }

    private static void requireSlackId(String id, Pattern pattern, String what,
            String example) {
        if (!pattern.matcher(id).matches()) {
            throw new IllegalArgumentException("slack workspace: " + what + " '"
                    + EventsApiHandler.abbreviate(id) + "' is not a Slack " + what + " such as '"
                    + example + "'");
        }
    }

    private static String lower(String id) {
        return id.toLowerCase(Locale.ROOT);
    }
}
