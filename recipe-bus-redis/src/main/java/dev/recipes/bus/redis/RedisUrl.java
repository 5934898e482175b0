package dev.recipes.bus.redis;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where Redis runs and how to log in, read from a {@code redis://} URL. The password is kept
 * for the connection only: {@link #toString()} and every message show it masked.
 */
final class RedisUrl {

    private static final int DEFAULT_PORT = 6379;
    private static final String MASK = "****";

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int database;
    // The user info as written in the URL and as decoded, each followed by '@'; empty if none.
    private final List<String> logins;

    private RedisUrl(String host, int port, String user, String password, int database,
            List<String> logins) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
        this.logins = logins;
    }

    /**
     * Reads {@code redis://[[user]:password@]host[:port][/database]}. A user info without a
     * colon is taken as a password, the form most Redis services hand out.
     */
    static RedisUrl parse(URI url) {
        Objects.requireNonNull(url, "Redis URL");
        String scheme = url.getScheme();
        if (scheme == null || !scheme.toLowerCase(Locale.ROOT).equals("redis")) {
            throw new IllegalArgumentException("Redis URL: scheme '" + scheme
                    + "' is not supported; use redis://host:port");
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("Redis URL: host is missing or not a valid host "
                    + "name; use redis://host:port");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String user = null;
        String password = null;
        String userInfo = url.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = userInfo;
            } else {
                user = userInfo.substring(0, colon).isEmpty() ? null : userInfo.substring(0, colon);
                password = userInfo.substring(colon + 1);
            }
            password = password.isEmpty() ? null : password;
        }
        int port = url.getPort() < 0 ? DEFAULT_PORT : url.getPort();
        List<String> logins = userInfo == null ? List.of()
                : List.of(url.getRawUserInfo() + "@", userInfo + "@");
        RedisUrl parsed = new RedisUrl(host, port, user, password, 0, logins);
        if (port == 0 || port > 65_535) {
            throw new IllegalArgumentException("Redis URL '" + parsed + "': port " + port
                    + " is out of range");
        }
        if (url.getRawQuery() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("Redis URL '" + parsed + "': a query or fragment "
                    + "is not supported");
        }
        return new RedisUrl(host, port, user, password, database(url.getPath(), parsed),
                logins);
    }

    private static int database(String path, RedisUrl parsed) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        String digits = path.substring(1);
        if (!digits.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("Redis URL '" + parsed + "': database '"
                    + parsed.redact(digits) + "' is not a number");
        }
        return Integer.parseInt(digits);
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    int database() {
        return database;
    }

    /**
     * Masks the user info of this URL, {@code [user]:password@}, wherever it appears in a text
     * such as a client's error message. Only the whole user info is replaced: a short password
     * would also match inside unrelated words.
     */
    String redact(String text) {
        if (text == null) {
            return null;
        }
        String redacted = text;
        for (String login : logins) {
            redacted = redacted.replace(login, maskedLogin());
        }
        return redacted;
    }

    private String maskedLogin() {
        return (user == null ? "" : user) + (password == null ? "" : ":" + MASK) + "@";
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("redis://");
        if (user != null || password != null) {
            text.append(maskedLogin());
        }
        text.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port);
        return text.append('/').append(database).toString();
    }
}
