package dev.recipes.testkit.recording;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.internal.HeaderChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Records webhook requests: keeps each as a {@link WebhookRecording} and, when given a
 * directory, saves it there as one file, {@code 0001-github.json}, {@code 0002-slack.json} and
 * so on (the number counts on from the files already there; the name ends with the path's last
 * segment).
 *
 * <p>Put it in front of a handler in-process with {@link #wrap(WebhookHandler)}, or behind a
 * {@link RecordingServer} that real senders reach:
 *
 * <pre>{@code
 * WebhookRecorder recorder = WebhookRecorder.toDirectory(Path.of("recordings"));
 * WebhookHandler recording = recorder.wrap(engine.webhooks());   // records, then hands on
 * }</pre>
 *
 * <p>Before a request is kept, the values of {@code Authorization}, {@code Proxy-Authorization},
 * {@code Cookie} and any header named with {@link Builder#maskHeader(String)} are replaced with
 * {@value WebhookRecording#MASK}, so that no reusable credential reaches a file; the handler
 * behind still gets the request as it arrived. Signatures are kept: without the secret they
 * sign nothing new, and a replay makes its own. Bodies are kept byte for byte; a credential
 * inside a payload must be scrubbed with {@link WebhookRecording#withBody(byte[])} before the
 * file is shared. Thread-safe.
 */
public final class WebhookRecorder {

    /** The headers masked in every recording. */
    public static final Set<String> ALWAYS_MASKED = Collections.unmodifiableSet(
            caseInsensitive(List.of("Authorization", "Proxy-Authorization", "Cookie")));

    private static final String SUBJECT = "webhook recorder";
    private static final int MAX_SLUG = 40;

    private final Path directory;
    private final Clock clock;
    private final Set<String> masked;
    private final List<WebhookRecording> recordings = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private int next = 1;

    private WebhookRecorder(Path directory, Clock clock, Set<String> masked) {
        this.directory = directory;
        this.clock = clock;
        this.masked = masked;
    }

    /**
     * Returns a recorder that keeps recordings in memory only.
     *
     * @return the recorder
     */
    public static WebhookRecorder inMemory() {
        return builder().build();
    }

    /**
     * Returns a recorder that also saves each recording as a file in a directory, made if
     * missing.
     *
     * @param directory the directory
     * @return the recorder
     * @throws UncheckedIOException if the directory cannot be made
     */
    public static WebhookRecorder toDirectory(Path directory) {
        return builder().directory(directory).build();
    }

    /**
     * Starts a recorder with more settings.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Records one request: masks it, keeps it, and saves it if the recorder has a directory.
     *
     * @param request the request as it arrived
     * @return the recording as kept
     * @throws UncheckedIOException if the file cannot be written; the recording is not kept
     */
    public WebhookRecording record(WebhookRequest request) {
        // Limitation: only headers are masked; a credential inside the body stays, since
        // changing the body would change what the recording shows arrived.
        WebhookRecording recording = WebhookRecording.of(request, clock.instant())
                .masked(masked);
        synchronized (this) {
            if (directory != null) {
                files.add(save(recording));
            }
            recordings.add(recording);
        }
        return recording;
    }

    /**
     * Returns a handler that records each request, then hands it, as it arrived, to another.
     *
     * @param handler the handler that answers, such as {@code engine.webhooks()}
     * @return the recording handler; it throws {@link UncheckedIOException} when a recording
     *     cannot be saved, which an HTTP server in front answers with 500
     */
    public WebhookHandler wrap(WebhookHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return request -> {
            record(request);
            return handler.handle(request);
        };
    }

    /**
     * Returns a handler that records each request and answers 200 with an empty body.
     *
     * @return the handler
     */
    public WebhookHandler recordOnly() {
        return wrap(request -> WebhookResponse.ok());
    }

    /**
     * Returns what was recorded so far, in order.
     *
     * @return a snapshot
     */
    public synchronized List<WebhookRecording> recordings() {
        return List.copyOf(recordings);
    }

    /**
     * Returns the files written so far, in order.
     *
     * @return a snapshot; empty for a recorder without a directory
     */
    public synchronized List<Path> files() {
        return List.copyOf(files);
    }

    /** Writes a new file whose number follows every file there; called under the lock. */
    private Path save(WebhookRecording recording) {
        byte[] json = recording.toJson().getBytes(StandardCharsets.UTF_8);
        while (true) {
            Path file = directory.resolve(String.format(Locale.ROOT, "%04d-%s.json", next++,
                    slug(recording.path())));
            try {
                Files.write(file, json, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return file;
            } catch (FileAlreadyExistsException e) {
                // Another recorder, or an earlier run, wrote this number: take the next one.
            } catch (IOException e) {
                throw new UncheckedIOException(SUBJECT + ": cannot write " + file, e);
            }
        }
    }

    private static String slug(String path) {
        String last = path.substring(path.lastIndexOf('/', Math.max(0, path.length() - 2)) + 1);
        String slug = last.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-")
                .replaceAll("^-+|-+$", "");
        slug = slug.length() > MAX_SLUG ? slug.substring(0, MAX_SLUG) : slug;
        return slug.isEmpty() ? "request" : slug;
    }

    /** Numbers files after those already in the directory, so that a rerun adds to them. */
    private static int firstFreeNumber(Path directory) {
        try (var names = Files.list(directory)) {
            return names.map(file -> file.getFileName().toString())
                    .filter(name -> name.matches("\\d{4,9}-.*\\.json"))
                    .mapToInt(name -> Integer.parseInt(name.substring(0, name.indexOf('-'))))
                    .max().orElse(0) + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(SUBJECT + ": cannot list " + directory, e);
        }
    }

    private static Set<String> caseInsensitive(List<String> names) {
        Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return set;
    }

    @Override
    public String toString() {
        return "WebhookRecorder[" + (directory == null ? "in memory" : directory.toString())
                + ", masking " + masked + "]";
    }

    /** Settings of a recorder. Each may be set once, except masked headers. Not thread-safe. */
    public static final class Builder {

        private final Set<String> masked = caseInsensitive(new ArrayList<>(ALWAYS_MASKED));
        private Path directory;
        private Clock clock;

        private Builder() {
        }

        /**
         * Saves each recording as a file in a directory, made if missing; by default
         * recordings are kept in memory only.
         *
         * @param directory the directory
         * @return this builder
         * @throws IllegalStateException if a directory was set already
         */
        public Builder directory(Path directory) {
            Objects.requireNonNull(directory, "directory");
            if (this.directory != null) {
                throw new IllegalStateException(SUBJECT + ": directory already set to "
                        + this.directory);
            }
            this.directory = directory;
            return this;
        }

        /**
         * Dates recordings by a clock; the system clock by default.
         *
         * @param clock the clock
         * @return this builder
         * @throws IllegalStateException if a clock was set already
         */
        public Builder clock(Clock clock) {
            Objects.requireNonNull(clock, "clock");
            if (this.clock != null) {
                throw new IllegalStateException(SUBJECT + ": clock already set to "
                        + this.clock);
            }
            this.clock = clock;
            return this;
        }

        /**
         * Masks one more header in every recording, such as {@code X-Api-Key}.
         *
         * @param name the header name, in any case
         * @return this builder
         * @throws IllegalArgumentException if the name is not an HTTP token
         */
        public Builder maskHeader(String name) {
            masked.add(HeaderChecks.requireName(SUBJECT, name));
            return this;
        }

        /**
         * Makes the recorder, and its directory if that is missing.
         *
         * @return the recorder
         * @throws UncheckedIOException if the directory cannot be made or listed
         */
        public WebhookRecorder build() {
            WebhookRecorder recorder = new WebhookRecorder(directory,
                    clock != null ? clock : Clock.systemUTC(),
                    Collections.unmodifiableSet(caseInsensitive(new ArrayList<>(masked))));
            if (directory != null) {
                try {
                    Files.createDirectories(directory);
                } catch (IOException e) {
                    throw new UncheckedIOException(SUBJECT + ": cannot make " + directory, e);
                }
                recorder.next = firstFreeNumber(directory);
            }
            return recorder;
        }
    }
}
