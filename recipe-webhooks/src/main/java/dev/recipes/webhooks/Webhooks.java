package dev.recipes.webhooks;

import java.util.Objects;

/**
 * The triggers recipes use to react to Standard Webhooks messages received by the
 * {@link WebhookService}.
 *
 * <pre>{@code
 * Recipe paid = Recipe.named("paid-invoices")
 *         .when(Webhooks.from("billing").ofType("invoice.paid"))
 *         .then(Http.post("https://crm.example.com/api/payments")
 *                 .pointer("body", "/payload/data")
 *                 .as("crm")
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p>Events carry {@code {"source", "id", "type", "payload"}} as data, so recipes read the
 * sender's payload with JSON Pointers under {@code /payload}, such as
 * {@code /payload/data/amount}.
 */
public final class Webhooks {

    private Webhooks() {
    }

    /**
     * Returns a trigger on every message from a source, which
     * {@link WebhookTrigger#ofType(String)} narrows.
     *
     * @param source the source's name, as listed in {@code webhook.sources}
     * @return the trigger
     * @throws IllegalArgumentException if the name is not 1 to 64 lowercase letters, digits,
     *     '_' or '-'
     */
    public static WebhookTrigger from(String source) {
        Objects.requireNonNull(source, "source");
        if (!WebhookSource.NAME.matcher(source).matches()) {
            throw new IllegalArgumentException("webhook trigger: source '" + source
                    + "' is not 1 to 64 lowercase letters, digits, '_' or '-'");
        }
        return new WebhookTrigger(source, null);
    }
}
