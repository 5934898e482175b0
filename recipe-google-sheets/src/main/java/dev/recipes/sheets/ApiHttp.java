package dev.recipes.sheets;

import dev.recipes.core.spi.ActionException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Sends requests to Google with a bounded response body, and turns transport failures into
 * retryable {@link ActionException}s.
 */
final class ApiHttp {

    /** The largest response body read; Sheets and token answers are a few hundred bytes. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private final HttpClient client;
    private final Clock clock;

    ApiHttp(HttpClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /**
     * A response with its body read.
     *
     * @param status the HTTP status
     * @param headers the headers
     * @param body the body, at most {@link #MAX_BODY_BYTES}
     */
    record Response(int status, HttpHeaders headers, byte[] body) {
    }

    /**
     * Sends a request and reads the answer.
     *
     * @param request the request, with its timeout set
     * @param subject what is being called, starting each error message
     * @return the response, whatever its status
     * @throws ActionException retryable if the request could not be sent, timed out or the
     *     thread was interrupted; permanent if the answer is larger than allowed
     */
    Response send(HttpRequest request, String subject) {
        try {
            HttpResponse<byte[]> response = client.send(request, info -> new LimitedBody());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (HttpTimeoutException e) {
            throw ActionException.retryable(subject + ": no answer from '" + origin(request)
                    + "' within " + request.timeout().map(Duration::toString).orElse("the "
                    + "client's timeout"), null, e);
        } catch (ConnectException e) {
            throw ActionException.retryable(subject + ": cannot connect to '"
                    + origin(request) + "'", null, e);
        } catch (IOException e) {
            // The client wraps a body subscriber's failure in an IOException of its own.
            if (e instanceof BodyTooLargeException
                    || e.getCause() instanceof BodyTooLargeException) {
                throw ActionException.permanent(subject + ": the answer from '"
                        + origin(request) + "' is larger than " + MAX_BODY_BYTES + " bytes", e);
            }
            throw ActionException.retryable(subject + ": request to '" + origin(request)
                    + "' failed: " + e, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ActionException.retryable(subject + ": interrupted while waiting for '"
                    + origin(request) + "'", null, e);
        }
    }

    /**
     * Reads {@code Retry-After}: seconds, or an HTTP date counted from the engine's clock.
     *
     * @param headers the response headers
     * @return the delay, or {@code null} if the header is absent or unreadable
     */
    Duration retryAfter(HttpHeaders headers) {
        String value = headers.firstValue("Retry-After").map(String::strip).orElse("");
        if (value.isEmpty()) {
            return null;
        }
        if (value.chars().allMatch(Character::isDigit) && value.length() <= 9) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration wait = Duration.between(clock.instant(), at.toInstant());
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String origin(HttpRequest request) {
        return request.uri().getScheme() + "://" + request.uri().getAuthority()
                + request.uri().getRawPath();
    }

    /** Thrown when a response body is larger than {@link #MAX_BODY_BYTES}. */
    static final class BodyTooLargeException extends IOException {

        private static final long serialVersionUID = 1L;

        BodyTooLargeException() {
            super("response body is larger than " + MAX_BODY_BYTES + " bytes");
        }
    }

    /** Collects a body into memory, failing once it passes the limit. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > MAX_BODY_BYTES) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException());
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
