package dev.recipes.sheets;

import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.RetryAfter;
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
     * @param body the body, cut at the limit it was read with
     */
    record Response(int status, HttpHeaders headers, byte[] body) {
    }

    /**
     * Sends a request and reads the answer.
     *
     * @param request the request, with its timeout set
     * @param subject what is being called, starting each error message
     * @return the response, whatever its status; the body of a failure status larger than
     *     allowed is cut at {@link #MAX_BODY_BYTES}, so that the status still decides
     * @throws ActionException retryable if the request could not be sent, timed out or the
     *     thread was interrupted; permanent if a successful (2xx) answer is larger than allowed
     *     or the HTTP client refuses the request
     */
    Response send(HttpRequest request, String subject) {
        return send(request, subject, MAX_BODY_BYTES);
    }

    /**
     * Sends a request and reads an answer of up to {@code maxBodyBytes}, for reads whose
     * answers may be larger than {@link #MAX_BODY_BYTES}; otherwise as
     * {@link #send(HttpRequest, String)}.
     *
     * @param request the request, with its timeout set
     * @param subject what is being called, starting each error message
     * @param maxBodyBytes the largest body read
     * @return the response, whatever its status
     * @throws ActionException as {@link #send(HttpRequest, String)} does
     */
    Response send(HttpRequest request, String subject, int maxBodyBytes) {
        try {
            HttpResponse<Body> response = client.send(request,
                    info -> new LimitedBody(maxBodyBytes));
            Body body = response.body();
            if (body.truncated() && response.statusCode() / 100 == 2) {
                throw ActionException.permanent(subject + ": the answer from '"
                        + origin(request) + "' is larger than " + maxBodyBytes + " bytes",
                        null);
            }
            return new Response(response.statusCode(), response.headers(), body.bytes());
        } catch (IllegalArgumentException e) {
            // The client's message may quote a header value, such as the bearer token.
            throw ActionException.permanent(subject + ": the HTTP client refused the request "
                    + "to '" + origin(request) + "'", null);
        } catch (HttpTimeoutException e) {
            throw ActionException.retryable(subject + ": no answer from '" + origin(request)
                    + "' within " + request.timeout().map(Duration::toString).orElse("the "
                    + "client's timeout"), null, e);
        } catch (ConnectException e) {
            throw ActionException.retryable(subject + ": cannot connect to '"
                    + origin(request) + "'", null, e);
        } catch (IOException e) {
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
        return RetryAfter.parse(headers.firstValue("Retry-After").orElse(null), clock)
                .orElse(null);
    }

    private static String origin(HttpRequest request) {
        return request.uri().getScheme() + "://" + request.uri().getAuthority()
                + request.uri().getRawPath();
    }

    /**
     * A body read up to the limit.
     *
     * @param bytes the bytes read, at most the limit
     * @param truncated whether more bytes came and were dropped
     */
    private record Body(byte[] bytes, boolean truncated) {
    }

    /**
     * Collects a body into memory; once it passes the limit, keeps the first bytes up to the
     * limit and stops reading.
     */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<Body> {

        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int limit;
        private Flow.Subscription subscription;

        LimitedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                int room = limit - bytes.size();
                int take = Math.min(room, buffer.remaining());
                byte[] chunk = new byte[take];
                buffer.get(chunk);
                bytes.write(chunk, 0, take);
                if (buffer.hasRemaining()) {
                    subscription.cancel();
                    result.complete(new Body(bytes.toByteArray(), true));
                    return;
                }
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(new Body(bytes.toByteArray(), false));
        }
    }
}
