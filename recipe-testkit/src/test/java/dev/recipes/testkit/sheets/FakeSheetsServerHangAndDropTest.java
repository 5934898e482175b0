package dev.recipes.testkit.sheets;

import static dev.recipes.testkit.sheets.FakeClientFixture.accessToken;
import static dev.recipes.testkit.sheets.FakeClientFixture.assertGoogleError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.testkit.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class FakeSheetsServerHangAndDropTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final Duration PATIENT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeSheetsServer fake = FakeSheetsServer.builder().clock(clock).start();
    private String token;

    @BeforeEach
    void signIn() throws Exception {
        fake.createSpreadsheet("1AbC", "Log");
        token = accessToken(fake, fake.newServiceAccount(), NOW);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void hangNextAppend_answers503AfterTheDelay_andWritesNoRow() throws Exception {
        fake.hangNextAppend(Duration.ofMillis(300));
        long start = System.nanoTime();

        HttpResponse<String> held = append(1, PATIENT);

        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertGoogleError(held, 503, "UNAVAILABLE");
        assertThat(fake.rows("1AbC", "Log")).isEmpty();
        assertThat(fake.appendRequests()).isEqualTo(1);
        assertThat(fake.failedAppends()).isEqualTo(1);
    }

    @Test
    void hangNextAppend_isOneShot() throws Exception {
        fake.hangNextAppend(Duration.ofMillis(50));
        append(1, PATIENT);

        HttpResponse<String> next = append(2, PATIENT);

        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("row 2"));
    }

    @Test
    void hangLongerThanTheClientTimeout_timesTheClientOut() throws Exception {
        fake.hangNextAppend(Duration.ofSeconds(5));

        assertThatThrownBy(() -> append(1, Duration.ofMillis(200)))
                .isInstanceOf(HttpTimeoutException.class);
        HttpResponse<String> next = append(2, PATIENT);

        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("row 2"));
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void heldAppend_doesNotHoldOtherRequests_andCloseCutsItAtOnce() throws Exception {
        fake.hangNextAppend(Duration.ofSeconds(30));
        int appends = 9;
        CountDownLatch answered = new CountDownLatch(appends - 1);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int row = 0; row < appends; row++) {
            CompletableFuture<HttpResponse<String>> response = appendAsync(row);
            response.whenComplete((answer, error) -> answered.countDown());
            responses.add(response);
        }

        assertThat(answered.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<HttpResponse<String>>> waiting = responses.stream()
                .filter(response -> !response.isDone()).toList();
        long closing = System.nanoTime();
        fake.close();

        assertThat(Duration.ofNanos(System.nanoTime() - closing)).isLessThan(Duration.ofSeconds(2));
        assertThat(waiting).hasSize(1);
        assertThatThrownBy(() -> waiting.get(0).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThat(fake.rows("1AbC", "Log")).hasSize(appends - 1);
    }

    @Test
    void dropNextAppend_closesTheConnectionWithoutAnswer_andWritesNoRow() throws Exception {
        fake.dropNextAppend();

        assertThatThrownBy(() -> append(1, PATIENT))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
        HttpResponse<String> next = append(2, PATIENT);

        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("row 2"));
        assertThat(fake.appendRequests()).isEqualTo(2);
        assertThat(fake.failedAppends()).isEqualTo(1);
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void oneShotFaults_areUsedInTheOrderQueued() throws Exception {
        fake.failNextAppend(429);
        fake.dropNextAppend();
        fake.hangNextAppend(Duration.ofMillis(50));

        HttpResponse<String> first = append(1, PATIENT);
        assertThatThrownBy(() -> append(2, PATIENT)).isInstanceOf(IOException.class);
        HttpResponse<String> third = append(3, PATIENT);
        HttpResponse<String> fourth = append(4, PATIENT);

        assertGoogleError(first, 429, "RESOURCE_EXHAUSTED");
        assertGoogleError(third, 503, "UNAVAILABLE");
        assertThat(fourth.statusCode()).isEqualTo(200);
        assertThat(fake.failedAppends()).isEqualTo(3);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("row 4"));
    }

    @Test
    void oneShotFaults_comeBeforeRandomOnes() throws Exception {
        fake.failAppendsRandomly(1.0, 500, 42);
        fake.dropNextAppend();

        assertThatThrownBy(() -> append(1, PATIENT)).isInstanceOf(IOException.class);
        HttpResponse<String> second = append(2, PATIENT);

        assertGoogleError(second, 500, "INTERNAL");
        assertThat(fake.failedAppends()).isEqualTo(2);
    }

    @Test
    void rejectsHangDelayThatIsNotPositiveOrTooLong() {
        for (Duration delay : List.of(Duration.ZERO, Duration.ofMillis(-1),
                Duration.ofMinutes(10).plusNanos(1))) {
            assertThatThrownBy(() -> fake.hangNextAppend(delay))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("fake sheets server: hang delay " + delay
                            + " is not positive and at most PT10M");
        }
        assertThatThrownBy(() -> fake.hangNextAppend(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("fake sheets server: hang delay is null");
    }

    private HttpResponse<String> append(int row, Duration timeout) throws Exception {
        return HTTP.send(appendRequest(row, timeout), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> appendAsync(int row) {
        return HTTP.sendAsync(appendRequest(row, Duration.ofSeconds(60)),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest appendRequest(int row, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(fake.apiUrl()
                        + "/v4/spreadsheets/1AbC/values/Log%21A%3AB:append?valueInputOption=RAW"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"values\":[[\"row " + row
                        + "\"]]}"))
                .build();
    }
}
