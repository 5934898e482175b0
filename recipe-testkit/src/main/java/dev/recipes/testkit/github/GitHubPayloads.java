package dev.recipes.testkit.github;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes payloads in the shapes GitHub documents for its webhook events, with the fields that
 * receivers commonly read. Ids are derived from names, so that one repository or user has the
 * same id in every payload; commit ids are random.
 */
final class GitHubPayloads {

    private static final String WEB = "https://github.com/";
    private static final String API = "https://api.github.com/";
    private static final String HOOK_URL_HOST = "https://recipes.example.com";
    private static final List<String> ZEN = List.of("Small steps, often.",
            "Say what you mean, once.", "Leave the code kinder than you found it.",
            "The simple way is usually the fast way.", "Read twice, merge once.");

    private final String repository;
    private final String sender;

    GitHubPayloads(String repository, String sender) {
        this.repository = repository;
        this.sender = sender;
    }

    static long repositoryId(String fullName) {
        return idOf("repository:" + fullName);
    }

    ObjectNode ping(long hookId, String path, Instant now) {
        ObjectNode payload = object()
                .put("zen", ZEN.get(ThreadLocalRandom.current().nextInt(ZEN.size())))
                .put("hook_id", hookId);
        ObjectNode hook = payload.putObject("hook")
                .put("type", "Repository")
                .put("id", hookId)
                .put("name", "web")
                .put("active", true);
        hook.putArray("events").add("*");
        hook.putObject("config")
                .put("content_type", "json")
                .put("insecure_ssl", "0")
                .put("secret", "********")
                .put("url", HOOK_URL_HOST + path);
        String hookApi = API + "repos/" + repository + "/hooks/" + hookId;
        hook.put("updated_at", time(now))
                .put("created_at", time(now))
                .put("url", hookApi)
                .put("test_url", hookApi + "/test")
                .put("ping_url", hookApi + "/pings")
                .put("deliveries_url", hookApi + "/deliveries");
        hook.putObject("last_response").putNull("code").put("status", "unused")
                .putNull("message");
        addContext(payload, now);
        return payload;
    }

    ObjectNode push(String ref, List<String> messages, Instant now) {
        String before = commitId();
        ObjectNode payload = object().put("ref", ref).put("before", before);
        ArrayNode commits = JsonNodeFactory.instance.arrayNode();
        for (String message : messages) {
            commits.add(commit(message, now));
        }
        String after = commits.isEmpty() ? commitId()
                : commits.get(commits.size() - 1).path("id").asText();
        payload.put("after", after);
        payload.set("repository", repository(now, true));
        payload.putObject("pusher").put("name", sender)
                .put("email", sender + "@users.noreply.github.com");
        payload.set("sender", user(sender));
        payload.put("created", false)
                .put("deleted", false)
                .put("forced", false)
                .putNull("base_ref")
                .put("compare", WEB + repository + "/compare/" + before.substring(0, 12)
                        + "..." + after.substring(0, 12));
        payload.set("commits", commits);
        payload.set("head_commit", commits.isEmpty() ? JsonNodeFactory.instance.nullNode()
                : commits.get(commits.size() - 1).deepCopy());
        return payload;
    }

    ObjectNode issues(String action, long number, String title, Instant now) {
        ObjectNode payload = object().put("action", action);
        String api = API + "repos/" + repository + "/issues/" + number;
        ObjectNode issue = payload.putObject("issue")
                .put("url", api)
                .put("repository_url", API + "repos/" + repository)
                .put("labels_url", api + "/labels{/name}")
                .put("comments_url", api + "/comments")
                .put("html_url", WEB + repository + "/issues/" + number)
                .put("id", idOf("issue:" + repository + "#" + number))
                .put("node_id", nodeId("I_kwDO", "issue:" + repository + "#" + number))
                .put("number", number)
                .put("title", title);
        issue.set("user", user(sender));
        issue.putArray("labels");
        issue.put("state", "closed".equals(action) ? "closed" : "open")
                .put("locked", false)
                .putNull("assignee");
        issue.putArray("assignees");
        issue.putNull("milestone")
                .put("comments", 0)
                .put("created_at", time(now))
                .put("updated_at", time(now));
        issue.set("closed_at", "closed".equals(action)
                ? JsonNodeFactory.instance.textNode(time(now))
                : JsonNodeFactory.instance.nullNode());
        issue.put("author_association", "OWNER")
                .putNull("body");
        addContext(payload, now);
        return payload;
    }

    ObjectNode pullRequest(String action, long number, String title, Instant now) {
        ObjectNode payload = object().put("action", action).put("number", number);
        String key = "pull:" + repository + "#" + number;
        boolean closed = "closed".equals(action);
        ObjectNode pull = payload.putObject("pull_request")
                .put("url", API + "repos/" + repository + "/pulls/" + number)
                .put("id", idOf(key))
                .put("node_id", nodeId("PR_kwDO", key))
                .put("html_url", WEB + repository + "/pull/" + number)
                .put("diff_url", WEB + repository + "/pull/" + number + ".diff")
                .put("number", number)
                .put("state", closed ? "closed" : "open")
                .put("locked", false)
                .put("title", title);
        pull.set("user", user(sender));
        pull.putNull("body")
                .put("created_at", time(now))
                .put("updated_at", time(now));
        pull.set("closed_at", closed ? JsonNodeFactory.instance.textNode(time(now))
                : JsonNodeFactory.instance.nullNode());
        pull.putNull("merged_at")
                .putNull("merge_commit_sha")
                .put("draft", false);
        pull.set("head", branch("feature-" + number, now));
        pull.set("base", branch("main", now));
        pull.put("author_association", "OWNER")
                .put("merged", false)
                .putNull("mergeable")
                .put("comments", 0)
                .put("commits", 1)
                .put("additions", 1)
                .put("deletions", 0)
                .put("changed_files", 1);
        addContext(payload, now);
        return payload;
    }

    /** Adds {@code repository} and {@code sender} where a payload has none. */
    void addContext(ObjectNode payload, Instant now) {
        if (!payload.has("repository")) {
            payload.set("repository", repository(now, false));
        }
        if (!payload.has("sender")) {
            payload.set("sender", user(sender));
        }
    }

    private ObjectNode branch(String name, Instant now) {
        String owner = repository.substring(0, repository.indexOf('/'));
        ObjectNode branch = object()
                .put("label", owner + ":" + name)
                .put("ref", name)
                .put("sha", commitId());
        branch.set("user", user(owner));
        branch.set("repo", repository(now, false));
        return branch;
    }

    private ObjectNode commit(String message, Instant now) {
        String id = commitId();
        ObjectNode commit = object()
                .put("id", id)
                .put("tree_id", commitId())
                .put("distinct", true)
                .put("message", message)
                .put("timestamp", time(now))
                .put("url", WEB + repository + "/commit/" + id);
        ObjectNode person = object().put("name", sender)
                .put("email", sender + "@users.noreply.github.com")
                .put("username", sender);
        commit.set("author", person);
        commit.set("committer", person.deepCopy());
        commit.putArray("added");
        commit.putArray("removed");
        commit.putArray("modified").add("README.md");
        return commit;
    }

    /**
     * The repository as payloads show it. A push payload dates it in Unix seconds and names its
     * owner with {@code name} and {@code email}, where other events use ISO times.
     */
    private ObjectNode repository(Instant now, boolean pushShape) {
        String owner = repository.substring(0, repository.indexOf('/'));
        String name = repository.substring(repository.indexOf('/') + 1);
        ObjectNode repo = object()
                .put("id", repositoryId(repository))
                .put("node_id", nodeId("R_kgDO", "repository:" + repository))
                .put("name", name)
                .put("full_name", repository)
                .put("private", false);
        ObjectNode ownerNode = user(owner);
        if (pushShape) {
            ownerNode.put("name", owner).put("email", owner + "@users.noreply.github.com");
        }
        repo.set("owner", ownerNode);
        repo.put("html_url", WEB + repository)
                .putNull("description")
                .put("fork", false)
                .put("url", pushShape ? WEB + repository : API + "repos/" + repository);
        Instant created = now.minus(400, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        if (pushShape) {
            repo.put("created_at", created.getEpochSecond())
                    .put("updated_at", time(now))
                    .put("pushed_at", now.getEpochSecond());
        } else {
            repo.put("created_at", time(created))
                    .put("updated_at", time(now))
                    .put("pushed_at", time(now));
        }
        repo.put("git_url", "git://github.com/" + repository + ".git")
                .put("ssh_url", "git@github.com:" + repository + ".git")
                .put("clone_url", WEB + repository + ".git")
                .put("visibility", "public")
                .put("default_branch", "main");
        return repo;
    }

    private static ObjectNode user(String login) {
        return object()
                .put("login", login)
                .put("id", idOf("user:" + login))
                .put("node_id", nodeId("U_kgDO", "user:" + login))
                .put("avatar_url", "https://avatars.githubusercontent.com/u/" + idOf("user:"
                        + login) + "?v=4")
                .put("url", API + "users/" + login)
                .put("html_url", WEB + login)
                .put("type", "User")
                .put("site_admin", false);
    }

    private static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String commitId() {
        byte[] id = new byte[20];
        ThreadLocalRandom.current().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** A stable positive id below ten billion for a name. */
    private static long idOf(String key) {
        long hash = 1_125_899_906_842_597L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash = 31 * hash + b;
        }
        return 1_000_000 + Math.floorMod(hash, 9_000_000_000L);
    }

    private static String nodeId(String prefix, String key) {
        byte[] id = ByteBuffer.allocate(Long.BYTES).putLong(idOf(key)).array();
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }
}
