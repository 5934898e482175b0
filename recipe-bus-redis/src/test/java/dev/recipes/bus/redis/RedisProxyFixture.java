package dev.recipes.bus.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A proxy on a free loopback port in front of the shared Redis. It passes commands and replies
 * through, and on request answers one command itself with the start of a reply longer than any
 * Java array can hold, as the reply for a huge entry starts, then drops that connection.
 */
final class RedisProxyFixture implements AutoCloseable {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OVERSIZED = ("$" + Integer.MAX_VALUE + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> oversizedFor = new AtomicReference<>();
    private final CountDownLatch oversizedSent = new CountDownLatch(1);

    RedisProxyFixture() {
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("the proxy cannot listen", e);
        }
        start(this::accept, "accept");
    }

    URI url() {
        return URI.create("redis://127.0.0.1:" + listener.getLocalPort());
    }

    /** Answers the next command of this name, on any connection, with an oversized reply. */
    void answerNextOversized(String command) {
        oversizedFor.set(command.toUpperCase(Locale.ROOT));
    }

    /** Counted down once the oversized reply was sent. */
    CountDownLatch oversizedSent() {
        return oversizedSent;
    }

    private static void start(Runnable task, String name) {
        Thread thread = new Thread(task, "redis-proxy-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(),
                        RedisFixture.SHARED.getPort());
                sockets.add(client);
                sockets.add(server);
                start(() -> forwardCommands(client, server), "commands");
                start(() -> forwardReplies(server, client), "replies");
            } catch (IOException e) {
                return;
            }
        }
    }

    private void forwardCommands(Socket client, Socket server) {
        try (client; server) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = server.getOutputStream();
            for (List<byte[]> command = read(in); command != null; command = read(in)) {
                String name = new String(command.get(0), StandardCharsets.UTF_8)
                        .toUpperCase(Locale.ROOT);
                String wanted = oversizedFor.get();
                if (name.equals(wanted) && oversizedFor.compareAndSet(wanted, null)) {
                    client.getOutputStream().write(OVERSIZED);
                    client.getOutputStream().flush();
                    oversizedSent.countDown();
                    return;
                }
                out.write(encode(command));
                out.flush();
            }
        } catch (IOException e) {
            // One side closed the connection: the proxy closes the other.
        }
    }

    private static void forwardReplies(Socket server, Socket client) {
        try (client; server) {
            server.getInputStream().transferTo(client.getOutputStream());
        } catch (IOException e) {
            // One side closed the connection: the proxy closes the other.
        }
    }

    // Reads a command as clients send it, an array of bulk strings; null at the end of input.
    private static List<byte[]> read(InputStream in) throws IOException {
        String header = line(in);
        if (header == null) {
            return null;
        }
        int count = Integer.parseInt(header.substring(1));
        List<byte[]> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = Integer.parseInt(line(in).substring(1));
            words.add(in.readNBytes(length));
            in.readNBytes(2);
        }
        return words;
    }

    private static byte[] encode(List<byte[]> words) {
        ByteArrayOutputStream resp = new ByteArrayOutputStream();
        resp.writeBytes(("*" + words.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] word : words) {
            resp.writeBytes(("$" + word.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            resp.writeBytes(word);
            resp.writeBytes(CRLF);
        }
        return resp.toByteArray();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            if (b != '\r') {
                text.write(b);
            }
        }
        return text.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            listener.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the proxy cannot close", e);
        }
    }
}
