package dev.recipes.testkit.recording;

import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Replaces headers of a request, keeping the body and everything else. */
final class SignedHeaders {

    /** Signs a Standard Webhooks message: id, Unix seconds and body to a header value. */
    @FunctionalInterface
    interface MessageSigner {

        String sign(String id, long timestamp, byte[] body);
    }

    private SignedHeaders() {
    }

    /**
     * Returns the request with some headers set to one value each and others removed. A
     * replaced header keeps the name as recorded, whatever its case.
     */
    static WebhookRequest replace(WebhookRequest request, Map<String, String> values,
            List<String> removed) {
        Objects.requireNonNull(request, "request");
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        removed.forEach(headers::remove);
        values.forEach((name, value) -> {
            String spelled = request.headers().keySet().stream()
                    .filter(name::equalsIgnoreCase).findFirst().orElse(name);
            headers.remove(name);
            headers.put(spelled, new ArrayList<>(List.of(value)));
        });
        return new WebhookRequest(request.method(), request.path(), request.query(), headers,
                request.body());
    }

    static WebhookRequest standardWebhooks(WebhookRequest request, Instant now,
            MessageSigner signer) {
        String id = Objects.requireNonNull(request, "request")
                .header(StandardWebhooksSignature.ID_HEADER)
                .orElseThrow(() -> new IllegalArgumentException("standard webhooks re-signer: "
                        + "the request has no " + StandardWebhooksSignature.ID_HEADER
                        + " header, which the signature covers"));
        long seconds = now.getEpochSecond();
        return replace(request, Map.of(
                StandardWebhooksSignature.TIMESTAMP_HEADER, Long.toString(seconds),
                StandardWebhooksSignature.SIGNATURE_HEADER,
                signer.sign(id, seconds, request.body())), List.of());
    }
}
