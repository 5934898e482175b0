package dev.recipes.core.webhook;

import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.spi.ServiceContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each delivery of a webhook once, however often its sender redelivers it, and
 * answers the sender accordingly: the part every webhook handler of a service needs.
 *
 * <p>A delivery is claimed in the service's {@link IdempotencyStore} with a short lease while it
 * is published, then marked done; a claim is released when the event does not reach the bus,
 * so that the next redelivery publishes it. A copy that arrives while another copy is being
 * published in this process waits for that outcome and answers the same, so it cannot answer
 * 200 for an event that then fails to reach the bus; a copy at another engine instance sharing
 * the store is answered 503 meanwhile. A process that dies while publishing leaves a claim that
 * runs out after the lease, instead of one that would make every redelivery look like a
 * duplicate.
 *
 * <pre>{@code
 * private final PublishOnce once = PublishOnce.of(context, "github webhook", "github:");
 * ...
 * return once.publish(event, deliveryId);   // 200, or 503 with Retry-After
 * }</pre>
 *
 * Thread-safe.
 */
public final class PublishOnce {

    private static final Logger LOG = LoggerFactory.getLogger(PublishOnce.class);
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Duration DUPLICATE_WAIT = Duration.ofSeconds(2);

    private final ServiceContext context;
    private final String label;
    private final String keyPrefix;
    private final ConcurrentMap<String, CompletableFuture<Boolean>> publishing =
            new ConcurrentHashMap<>();

    private PublishOnce(ServiceContext context, String label, String keyPrefix) {
        this.context = Objects.requireNonNull(context, "context");
        this.label = Objects.requireNonNull(label, "label");
        this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /**
     * Creates one for a service's webhook.
     *
     * @param context the service's context, whose idempotency store holds the claims
     * @param label how answers and log lines name the webhook, such as {@code slack webhook}
     * @param keyPrefix what the service's claims start with, such as {@code slack:}, so that
     *     two services' delivery ids never meet
     * @return a new instance; keep one per handler
     */
    public static PublishOnce of(ServiceContext context, String label, String keyPrefix) {
        return new PublishOnce(context, label, keyPrefix);
    }

    /**
     * Publishes the event unless a copy of the delivery was published before.
     *
     * @param event the event
     * @param deliveryId what identifies the delivery across redeliveries, such as Slack's
     *     {@code event_id}
     * @return 200 if the event is on the bus (now or before); 503 with {@code Retry-After} if a
     *     copy is being published elsewhere, or the copy this one waited for did not get there
     * @throws dev.recipes.core.EventRejectedException if the bus refuses the event; the claim is
     *     released first, and the engine answers 503
     */
    public WebhookResponse publish(Event event, String deliveryId) {
        String key = keyPrefix + deliveryId;
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> other = publishing.putIfAbsent(key, mine);
        if (other != null) {
            boolean published = waitFor(other);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: delivery '{}' arrived while another copy was publishing; "
                        + "answered as that copy: {}", label, deliveryId, published ? 200 : 503);
            }
            return published ? WebhookResponse.ok() : notYet(deliveryId);
        }
        try {
            IdempotencyStore.Claim claim = context.idempotency().begin(key, LEASE);
            if (claim == IdempotencyStore.Claim.DONE) {
                LOG.debug("{}: delivery '{}' was published before; not published again", label,
                        deliveryId);
                mine.complete(true);
                return WebhookResponse.ok();
            }
            if (claim == IdempotencyStore.Claim.HELD) {
                LOG.debug("{}: delivery '{}' is being published by another instance; answered "
                        + "503", label, deliveryId);
                return notYet(deliveryId);
            }
            try {
                context.publish(event);
            } catch (RuntimeException e) {
                context.idempotency().release(key);
                throw e;
            }
            context.idempotency().complete(key);
            mine.complete(true);
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}: delivery '{}' published as '{}'", label, deliveryId,
                        event.type());
            }
            return WebhookResponse.ok();
        } finally {
            mine.complete(false);
            publishing.remove(key, mine);
        }
    }

    private static boolean waitFor(CompletableFuture<Boolean> other) {
        try {
            return other.get(DUPLICATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private WebhookResponse notYet(String deliveryId) {
        return WebhookResponse.text(503, label + ": event '" + deliveryId
                + "' is not on the bus yet; send it again").withHeader("Retry-After", "1");
    }

    @Override
    public String toString() {
        return "PublishOnce[" + label + ", keys " + keyPrefix + "*]";
    }
}
