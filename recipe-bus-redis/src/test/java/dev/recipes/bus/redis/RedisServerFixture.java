package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * A redis-server of one test's own, on a free loopback port and without persistence, for tests
 * that stop it, start it again, or make it hang as a stuck server would.
 */
final class RedisServerFixture implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);

    private final int port = freePort();
    private final String password;
    private Process server;
    private Socket sleeper;

    /** A server without a password. */
    RedisServerFixture() {
        this(null);
    }

    /** A server that asks for the password, or none if it is {@code null}. */
    RedisServerFixture(String password) {
        this.password = password;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    int port() {
        return port;
    }

    /** The server's URL, with its password if it has one. */
    URI url() {
        String login = password == null ? "" : ":" + password + "@";
        return URI.create("redis://" + login + "127.0.0.1:" + port);
    }

    /** Starts the server and waits until it takes connections. */
    void start() {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port",
                String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--enable-debug-command", "local"));
        if (password != null) {
            command.addAll(List.of("--requirepass", password));
        }
        try {
            server = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server cannot be started", e);
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!accepts()) {
            assertThat(server.isAlive()).as("redis-server on port %d is running", port).isTrue();
            assertThat(System.nanoTime()).as("redis-server answers in time").isLessThan(deadline);
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 100);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the server and waits until it has gone. */
    void stop() {
        if (server != null && server.isAlive()) {
            server.destroy();
            try {
                assertThat(server.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while redis-server stopped");
            }
        }
    }

    /** A connection of the test's own; close it after use. */
    Jedis connect() {
        return connect(WAIT);
    }

    private Jedis connect(Duration timeout) {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                .autoNegotiateProtocol(false).password(password)
                .socketTimeoutMillis((int) timeout.toMillis()).build());
    }

    /**
     * Makes the server stop answering anyone for the given time, with {@code DEBUG SLEEP}, and
     * returns once it no longer answers. Commands sent meanwhile run when it wakes up.
     */
    void hang(Duration time) {
        try {
            sleeper = new Socket("127.0.0.1", port);
            OutputStream out = sleeper.getOutputStream();
            if (password != null) {
                out.write(command("AUTH", password));
            }
            out.write(command("DEBUG", "SLEEP", String.valueOf(time.toMillis() / 1000.0)));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("DEBUG SLEEP cannot be sent", e);
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (answers(PROBE_TIMEOUT)) {
            assertThat(System.nanoTime()).as("redis-server hangs in time").isLessThan(deadline);
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private static byte[] command(String... words) {
        StringBuilder resp = new StringBuilder("*").append(words.length).append("\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(word).append("\r\n");
        }
        return resp.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until the server answers again after {@link #hang}. */
    void awaitAnswering() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!answers(WAIT)) {
            assertThat(System.nanoTime()).as("redis-server answers again").isLessThan(deadline);
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private boolean answers(Duration timeout) {
        try (Jedis probe = connect(timeout)) {
            probe.ping();
            return true;
        } catch (JedisConnectionException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            if (sleeper != null) {
                sleeper.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("closing the DEBUG SLEEP connection failed", e);
        } finally {
            stop();
        }
    }
}
