package dev.recipes.testkit.sheets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionAttempt;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.sheets.GoogleSheets;
import dev.recipes.sheets.GoogleSheetsService;
import dev.recipes.testkit.ManualScheduler;
import dev.recipes.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How {@code google-sheets/append-row} backs off when Google refuses appends, through a real
 * engine on a manual clock and the Sheets client over HTTP against the fake: a quota refusal
 * holds the connection's appends back as Google asks, instead of letting every waiting row
 * try and be refused; other transient failures follow the engine's retry policy.
 */
final class AppendQuotaBackoffTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration STEP = Duration.ofMillis(100);
    private static final String RATE_LIMITED = "{\"error\":{\"code\":429,\"message\":\"Quota "
            + "exceeded for quota metric 'Write requests' and limit 'Write requests per minute "
            + "per user'\",\"status\":\"RESOURCE_EXHAUSTED\"}}";
    /** Many attempts, so that rows outlast minutes of refusals; the engine's backoff is small. */
    private static final RetryPolicy PATIENT = RetryPolicy.custom()
            .maxAttempts(1000)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(100))
            .maxElapsed(Duration.ofHours(2))
            .build();

    private final List<Duration> retryDelays = new CopyOnWriteArrayList<>();
    private final List<String> retryErrors = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(START);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private FakeSheetsServer fake;
    private RecipeEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void quotaUsedUp_rowsWaitForTheNextMinute_withoutA429Storm() throws Exception {
        fake = FakeSheetsServer.builder().clock(clock).writeQuotaPerMinute(2).start();
        start(engine(PATIENT, "PT0.05S", "10"));

        publishOrders(100);
        int steps = 0;
        while (fake.rows("1AbC", "Log").size() < 100 && steps++ < 20 * 60 * 10) {
            step();
        }

        List<List<Object>> rows = fake.rows("1AbC", "Log");
        assertThat(rows).hasSize(100);
        assertThat(rows).extracting(row -> row.get(2)).doesNotHaveDuplicates();
        assertThat(engine.deadLetters().list()).isEmpty();
        long minutes = Duration.between(START, clock.instant()).toMinutes() + 1;
        // Each refusal holds the connection back for 1, 2, 4, 8, 16, 32 seconds and more, so a
        // minute whose quota is used up sees about 6 of them (a few more when batches sent
        // together are refused together); without the hold, every batch and every retry in
        // that minute would be refused.
        assertThat(fake.quotaRefusals()).isPositive().isLessThanOrEqualTo(8 * (int) minutes);
        assertThat(fake.appendRequests() - fake.quotaRefusals())
                .isLessThanOrEqualTo(2 * (int) minutes);
        assertThat(retryErrors).anySatisfy(error -> assertThat(error)
                .contains("not sent: Google refused"));
    }

    @Test
    void quotaRefusalsWithoutRetryAfter_spaceTheAppendsAsGoogleSays() throws Exception {
        fake = FakeSheetsServer.builder().clock(clock).start();
        start(engine(PATIENT, "0", "500"));
        fake.failAppendsRandomly(1.0, 429, 7);

        publishOrders(1);
        List<Instant> sent = new ArrayList<>();
        int steps = 0;
        while (sent.size() < 10 && steps++ < 10 * 60 * 10) {
            int before = fake.appendRequests();
            step();
            if (fake.appendRequests() > before) {
                sent.add(clock.instant());
            }
        }

        assertThat(sent).hasSize(10);
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < sent.size(); i++) {
            gaps.add(Duration.between(sent.get(i - 1), sent.get(i)));
        }
        // After the n-th refusal in a row: min(2^(n-1) s + up to 1 s, 64 s), give or take a
        // step of the clock and the engine's own small backoff.
        for (int n = 1; n <= gaps.size(); n++) {
            long floor = Math.min(1L << (n - 1), 64) * 1000;
            long ceiling = Math.min((1L << (n - 1)) * 1000 + 1000, 64_000);
            assertThat(gaps.get(n - 1).toMillis()).as("gap after refusal %d", n)
                    .isBetween(floor, ceiling + 300);
        }
        assertThat(gaps.subList(0, 6)).isSorted();
        assertThat(gaps.subList(7, 9)).allSatisfy(gap -> assertThat(gap.toMillis())
                .isBetween(63_900L, 64_300L));
        assertThat(gaps.subList(0, 6).stream().map(gap -> gap.toMillis() % 1000).distinct())
                .hasSizeGreaterThan(1);
        assertThat(fake.rows("1AbC", "Log")).isEmpty();
        // Retries that came while the connection was held back did not read the key column
        // either: only those that went on to append did.
        assertThat(retryErrors).filteredOn(error -> error.contains("not sent")).isNotEmpty();
        assertThat(fake.readRequests()).isEqualTo(fake.appendRequests() - 1);
    }

    @Test
    void retryAfter_holdsBackTheConnectionsOtherRows_untilItEnds() throws Exception {
        fake = FakeSheetsServer.builder().clock(clock).start();
        start(engine(PATIENT, "0", "500"));
        fake.failNextAppend(429, RATE_LIMITED, Map.of("Retry-After", "30"));

        publishOrders(1);
        assertThat(engine.bus().awaitIdle(IDLE)).isTrue();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(engine.bus().awaitIdle(IDLE)).isTrue();
        publishOrder("B-1");
        assertThat(engine.bus().awaitIdle(IDLE)).isTrue();

        assertThat(fake.appendRequests()).isEqualTo(1);
        assertThat(retryErrors).last().asString().contains("not sent: Google refused 1 "
                + "append(s) of connection 'default' in a row for its quota");
        assertThat(retryDelays).last().isEqualTo(Duration.ofSeconds(20));
        while (fake.rows("1AbC", "Log").size() < 2
                && Duration.between(START, clock.instant()).toSeconds() < 60) {
            step();
        }
        assertThat(Duration.between(START, clock.instant()).toSeconds()).isBetween(30L, 32L);
        assertThat(fake.rows("1AbC", "Log")).hasSize(2);
    }

    @Test
    void unavailableWithoutRetryAfter_followsTheRetryPolicysGrowingJitteredCappedBackoff()
            throws Exception {
        RetryPolicy policy = RetryPolicy.custom()
                .maxAttempts(9)
                .initialBackoff(Duration.ofSeconds(1))
                .maxBackoff(Duration.ofSeconds(8))
                .build();
        fake = FakeSheetsServer.builder().clock(clock).start();
        start(engine(policy, "0", "500"));
        fake.failAppendsRandomly(1.0, 503, 11);

        publishOrders(1);
        int steps = 0;
        while (engine.deadLetters().list().isEmpty() && steps++ < 10 * 60 * 10) {
            step();
        }

        assertThat(fake.appendRequests()).isEqualTo(9);
        assertThat(retryDelays).hasSize(8);
        List<Duration> ceilings = new ArrayList<>();
        for (int n = 1; n <= 8; n++) {
            ceilings.add(policy.ceiling(n));
            assertThat(retryDelays.get(n - 1)).isBetween(Duration.ZERO, policy.ceiling(n));
        }
        assertThat(ceilings).isSorted().startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4)).endsWith(Duration.ofSeconds(8), Duration.ofSeconds(8));
        assertThat(retryDelays).doesNotHaveDuplicates()
                .anySatisfy(delay -> assertThat(delay).isNotIn(ceilings));
        assertThat(retryErrors).allSatisfy(error -> assertThat(error)
                .contains("Google answered 503"));
    }

    /** Moves the clock one step, runs what became due, and waits until nothing runs. */
    private void step() throws InterruptedException {
        scheduler.advance(STEP);
        if (!engine.bus().awaitIdle(IDLE)) {
            throw new AssertionError("the bus did not become idle within " + IDLE);
        }
    }

    /** An engine on the fake and the manual clock, logging orders with a key column. */
    private RecipeEngine.Builder engine(RetryPolicy policy, String delay, String maxRows) {
        fake.createSpreadsheet("1AbC", "Log");
        return RecipeEngine.builder()
                .discoverServices(false)
                .service(new GoogleSheetsService())
                .retryPolicy(policy)
                .clock(clock)
                .scheduler(scheduler)
                .drainDeadline(Duration.ofMillis(500))
                .listener(new EngineListener() {
                    @Override
                    public void actionRetried(ActionAttempt attempt, Duration delay,
                            String error) {
                        retryDelays.add(delay);
                        retryErrors.add(error);
                    }
                })
                .config("google-sheets.api-url", fake.apiUrl())
                .config("google-sheets.token-url", fake.tokenUrl())
                .config("google-sheets.coalesce-delay", delay)
                .config("google-sheets.coalesce-max-rows", maxRows)
                .recipe(Recipe.named("order-log")
                        .when(Trigger.of("test.order"))
                        .then(GoogleSheets.appendRow("1AbC", "Log!A:C")
                                .column("/id")
                                .column("/n")
                                .keyColumn("C"))
                        .build());
    }

    private void start(RecipeEngine.Builder builder) {
        engine = builder.build();
        engine.connections().put(fake.newServiceAccount().connection());
        engine.start();
    }

    private void publishOrders(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            publishOrder("A-" + i);
        }
    }

    private void publishOrder(String id) throws Exception {
        Event order = Event.builder("test.order")
                .id("order-" + id)
                .time(clock.instant())
                .data(JSON.readTree("{\"id\":\"" + id + "\",\"n\":1}"))
                .build();
        while (true) {
            try {
                engine.publish(order);
                return;
            } catch (EventRejectedException e) {
                Thread.sleep(10);
            }
        }
    }
}
