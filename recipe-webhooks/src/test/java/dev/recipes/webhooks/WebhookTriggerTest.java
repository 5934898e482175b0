package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class WebhookTriggerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Event event(String eventType, String data) throws Exception {
        return Event.builder(eventType).data(JSON.readTree(data)).build();
    }

    @Test
    void sourceTriggerListensToItsEventTypeAndMatchesEveryMessage() throws Exception {
        WebhookTrigger billing = Webhooks.from("billing");

        assertThat(billing.eventType()).isEqualTo("webhook.billing");
        assertThat(billing.topic()).isEqualTo("trigger.webhook.billing");
        assertThat(billing.matches(event("webhook.billing", "{\"payload\":[]}"))).isTrue();
        assertThat(billing.matches(event("webhook.shop", "{}"))).isFalse();
    }

    @Test
    void ofTypeMatchesThePayloadTypeExactly() throws Exception {
        WebhookTrigger paid = Webhooks.from("billing").ofType("invoice.paid");

        assertThat(paid.matches(event("webhook.billing", "{\"type\":\"invoice.paid\"}")))
                .isTrue();
        assertThat(paid.matches(event("webhook.billing", "{\"type\":\"invoice.paid.v2\"}")))
                .isFalse();
        assertThat(paid.matches(event("webhook.billing", "{\"type\":\"Invoice.Paid\"}")))
                .isFalse();
        assertThat(paid.matches(event("webhook.billing", "{\"type\":7}"))).isFalse();
        assertThat(paid.matches(event("webhook.billing", "{}"))).isFalse();
        assertThat(paid.matches(event("webhook.shop", "{\"type\":\"invoice.paid\"}")))
                .isFalse();
    }

    @Test
    void ofTypeEndingInDotStarMatchesABranch() throws Exception {
        WebhookTrigger invoices = Webhooks.from("billing").ofType("invoice.*");

        assertThat(invoices.matches(event("webhook.billing", "{\"type\":\"invoice.paid\"}")))
                .isTrue();
        assertThat(invoices.matches(event("webhook.billing",
                "{\"type\":\"invoice.created.v2\"}"))).isTrue();
        assertThat(invoices.matches(event("webhook.billing", "{\"type\":\"invoice\"}")))
                .isFalse();
        assertThat(invoices.matches(event("webhook.billing", "{\"type\":\"invoices.paid\"}")))
                .isFalse();
    }

    @Test
    void triggersAreValuesThatPrintAsTheirJava() {
        assertThat(Webhooks.from("billing").ofType("invoice.paid"))
                .isEqualTo(Webhooks.from("billing").ofType("invoice.paid"))
                .hasSameHashCodeAs(Webhooks.from("billing").ofType("invoice.paid"))
                .isNotEqualTo(Webhooks.from("billing"))
                .hasToString("Webhooks.from(\"billing\").ofType(\"invoice.paid\")");
        assertThat(Webhooks.from("shop")).hasToString("Webhooks.from(\"shop\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Billing", "bill.ing", "-billing", "a/b"})
    void refusesSourcesThatCannotBeConfigured(String source) {
        assertThatThrownBy(() -> Webhooks.from(source))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("webhook trigger: source '" + source + "' is not 1 to 64 lowercase "
                        + "letters, digits, '_' or '-'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "invoice..paid", "invoice.", ".paid", "invoice.*.paid", "*",
        "invoice paid"})
    void refusesTypesThatAreNotDottedIdentifiers(String type) {
        assertThatThrownBy(() -> Webhooks.from("billing").ofType(type))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Webhooks.from(\"billing\"): type '" + type + "' is not full-stop "
                        + "delimited letters, digits, '_' and '-', optionally ending in '.*'");
    }

    @Test
    void refusesASecondType() {
        WebhookTrigger paid = Webhooks.from("billing").ofType("invoice.paid");

        assertThatThrownBy(() -> paid.ofType("invoice.void"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Webhooks.from(\"billing\").ofType(\"invoice.paid\"): type is "
                        + "already 'invoice.paid'; use a filter to accept several types");
    }
}
