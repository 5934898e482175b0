package dev.recipes.bus.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.commands.ScriptingKeyCommands;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * A Lua script that Redis runs atomically. It is sent by its digest, and in full only when the
 * server does not know it yet (after a restart, say).
 */
final class LuaScript {

    /** Lua that sets {@code now} to the server's time in milliseconds. */
    static final String NOW = "local clock = redis.call('TIME')\n"
            + "local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)\n";

    private final String source;
    private final String digest;

    LuaScript(String source) {
        this.source = source;
        this.digest = sha1(source);
    }

    private static String sha1(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this Java runtime", e);
        }
    }

    /** Runs the script with the given keys and arguments, and returns its reply. */
    Object run(ScriptingKeyCommands redis, List<String> keys, List<String> args) {
        try {
            return redis.evalsha(digest, keys, args);
        } catch (JedisNoScriptException e) {
            return redis.eval(source, keys, args);
        }
    }
}
