package dev.recipes.testkit.sheets;

import static dev.recipes.testkit.sheets.FakeClientFixture.accessToken;
import static dev.recipes.testkit.sheets.FakeClientFixture.assertGoogleError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.testkit.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class FakeSheetsServerRandomFaultsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final long SEED = 42;

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
    void failsAboutTheGivenShareOfAppends_andWritesNoRowForThem() throws Exception {
        fake.failAppendsRandomly(0.2, 503, SEED);

        List<HttpResponse<String>> responses = appendConcurrently(20, 50);

        List<HttpResponse<String>> failed = responses.stream()
                .filter(response -> response.statusCode() != 200).toList();
        for (HttpResponse<String> response : failed) {
            assertGoogleError(response, 503, "UNAVAILABLE");
        }
        assertThat(failed).hasSizeBetween(150, 250)
                .hasSize(expectedFailures(0.2, SEED, 1_000));
        assertThat(fake.failedAppends()).isEqualTo(failed.size());
        assertThat(fake.appendRequests()).isEqualTo(1_000);
        assertThat(fake.rows("1AbC", "Log")).hasSize(1_000 - failed.size());
    }

    @Test
    void sameSeed_failsTheSameAppends() throws Exception {
        fake.failAppendsRandomly(0.5, 429, 7);
        List<Integer> first = statuses(16);

        fake.failAppendsRandomly(0.5, 429, 7);
        List<Integer> second = statuses(16);

        assertThat(second).isEqualTo(first).contains(200, 429);
    }

    @Test
    void failedAppends_writeNothing() throws Exception {
        fake.failAppendsRandomly(1.0, 500, SEED);

        HttpResponse<String> response = append(1);

        assertGoogleError(response, 500, "INTERNAL");
        assertThat(fake.rows("1AbC", "Log")).isEmpty();
    }

    @Test
    void rateZero_failsNothing() throws Exception {
        fake.failAppendsRandomly(0.0, 503, SEED);

        List<Integer> statuses = statuses(10);

        assertThat(statuses).containsOnly(200);
        assertThat(fake.failedAppends()).isZero();
    }

    @Test
    void oneShotFailures_comeFirst() throws Exception {
        fake.failAppendsRandomly(1.0, 503, SEED);
        fake.failNextAppend(429);

        HttpResponse<String> first = append(1);
        HttpResponse<String> second = append(2);

        assertGoogleError(first, 429, "RESOURCE_EXHAUSTED");
        assertGoogleError(second, 503, "UNAVAILABLE");
        assertThat(fake.failedAppends()).isEqualTo(2);
    }

    @Test
    void oneShotFailures_doNotUseUpDraws() throws Exception {
        fake.failAppendsRandomly(0.5, 503, 7);
        List<Integer> plain = statuses(10);
        fake.failAppendsRandomly(0.5, 503, 7);
        fake.failNextAppend(429);

        List<Integer> withOneShot = statuses(11);

        assertThat(withOneShot.get(0)).isEqualTo(429);
        assertThat(withOneShot.subList(1, 11)).isEqualTo(plain);
    }

    @Test
    void stopFailingRandomly_letsAppendsThrough() throws Exception {
        fake.failAppendsRandomly(1.0, 503, SEED);
        HttpResponse<String> failed = append(1);

        fake.stopFailingRandomly();
        HttpResponse<String> written = append(2);

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(written.statusCode()).isEqualTo(200);
        assertThat(fake.rows("1AbC", "Log")).containsExactly(List.of("row 2"));
        assertThat(fake.failedAppends()).isEqualTo(1);
    }

    @Test
    void rejectsRateOutsideZeroToOne() {
        for (double rate : new double[] {-0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> fake.failAppendsRandomly(rate, 503, SEED))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("fake sheets server: failure rate " + rate + " is not a "
                            + "probability from 0 to 1, such as 0.2");
        }
    }

    @Test
    void rejectsNonErrorStatus() {
        assertThatThrownBy(() -> fake.failAppendsRandomly(0.5, 302, SEED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status 302 is not an error status");
    }

    private static int expectedFailures(double rate, long seed, int appends) {
        Random random = new Random(seed);
        int failures = 0;
        for (int i = 0; i < appends; i++) {
            if (random.nextDouble() < rate) {
                failures++;
            }
        }
        return failures;
    }

    private List<Integer> statuses(int appends) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < appends; i++) {
            statuses.add(append(i).statusCode());
        }
        return statuses;
    }

    /** Appends from several clients at once, to be quick and to exercise thread safety. */
    private List<HttpResponse<String>> appendConcurrently(int clients, int appendsEach)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Callable<List<HttpResponse<String>>>> work = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int first = c * appendsEach;
            work.add(() -> {
                List<HttpResponse<String>> responses = new ArrayList<>();
                for (int row = first; row < first + appendsEach; row++) {
                    responses.add(append(row));
                }
                return responses;
            });
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        try {
            for (Future<List<HttpResponse<String>>> done : pool.invokeAll(work, 60,
                    TimeUnit.SECONDS)) {
                responses.addAll(done.get());
            }
        } finally {
            pool.shutdownNow();
        }
        return responses;
    }

    private HttpResponse<String> append(int row) throws Exception {
        return post(fake.apiUrl() + "/v4/spreadsheets/1AbC/values/Log%21A%3AB:append"
                + "?valueInputOption=RAW", "application/json", token,
                "{\"values\":[[\"row " + row + "\"]]}");
    }

    private static HttpResponse<String> post(String url, String contentType, String token,
            String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
