package dev.recipes.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import dev.recipes.core.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The refresh protocol that {@link ConnectionStore} documents, run by several threads on two
 * stores sharing one table as two engine instances would: the provider sees each refresh
 * token once.
 */
final class SingleFlightRefreshTest {

    private static PostgresFixture postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresFixture.start();
    }

    @AfterAll
    static void dropSchema() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void racingRefreshesAcrossTwoInstances_callTheProviderOnce() throws Exception {
        Secret key = PostgresFixture.newKey();
        List<ConnectionStore> instances = List.of(store(key), store(key));
        instances.get(0).put(Connection.builder("slack", "t1")
                .setting("expires-at", Instant.EPOCH.toString())
                .secret("bot-token", "xoxb-0")
                .secret("refresh-token", "xoxe-0")
                .build());
        FakeProvider provider = new FakeProvider();
        int callers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<Connection>> results = new ArrayList<>();

        try {
            for (int i = 0; i < callers; i++) {
                Refresher refresher =
                        new Refresher(instances.get(i % 2), provider, "instance-" + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return refresher.fresh("slack", "t1");
                }));
            }
            start.countDown();
            List<String> tokens = new ArrayList<>();
            for (Future<Connection> result : results) {
                tokens.add(result.get().secret("bot-token").orElseThrow().reveal());
            }

            assertThat(provider.calls.get()).isEqualTo(1);
            assertThat(provider.reused.get()).isZero();
            assertThat(tokens).containsOnly("xoxb-1");
        } finally {
            pool.shutdownNow();
        }
    }

    private static JdbcConnectionStore store(Secret key) {
        return JdbcConnectionStore.builder(postgres.dataSource())
                .table(postgres.table("connections"))
                .keys(KeyRing.of("k1", key))
                .build();
    }

    /** A token endpoint that rotates refresh tokens and counts a reused one. */
    private static final class FakeProvider {

        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger reused = new AtomicInteger();
        private final Map<String, Boolean> used = new HashMap<>();

        synchronized String[] refresh(Secret refreshToken) {
            if (used.put(refreshToken.reveal(), true) != null) {
                reused.incrementAndGet();
            }
            int n = calls.incrementAndGet();
            return new String[] {"xoxb-" + n, "xoxe-" + n};
        }
    }

    /** The refresh protocol that docs/connections.md shows. */
    private static final class Refresher {

        private static final Duration CLAIM = Duration.ofSeconds(30);

        private final ConnectionStore store;
        private final FakeProvider provider;
        private final String holder;
        private final Clock clock = Clock.systemUTC();

        Refresher(ConnectionStore store, FakeProvider provider, String holder) {
            this.store = store;
            this.provider = provider;
            this.holder = holder;
        }

        Connection fresh(String service, String id) throws InterruptedException {
            while (true) {
                Connection read = store.find(service, id).orElseThrow();
                Instant now = clock.instant();
                if (Instant.parse(read.setting("expires-at").orElseThrow()).isAfter(now)) {
                    return read;
                }
                if (read.setting("refresh-claimed-until").map(Instant::parse)
                        .filter(until -> until.isAfter(now)).isPresent()) {
                    Thread.sleep(20); // another instance is refreshing; read again
                    continue;
                }
                Connection claimed = with(read, Map.of(
                        "refresh-claimed-by", holder,
                        "refresh-claimed-until", now.plus(CLAIM).toString()), Map.of());
                if (!store.replace(read, claimed)) {
                    continue; // another caller moved first
                }
                String[] tokens = provider.refresh(read.secret("refresh-token").orElseThrow());
                Connection refreshed = with(read,
                        Map.of("expires-at", now.plus(Duration.ofHours(12)).toString()),
                        Map.of("bot-token", tokens[0], "refresh-token", tokens[1]));
                if (store.replace(claimed, refreshed)) {
                    return refreshed;
                }
                throw new IllegalStateException("connection '" + service + "/" + id
                        + "': the refresh claim was taken over; the claim is too short");
            }
        }

        private static Connection with(Connection base, Map<String, String> settings,
                Map<String, String> secrets) {
            Map<String, String> newSettings = new HashMap<>(base.settings());
            newSettings.remove("refresh-claimed-by");
            newSettings.remove("refresh-claimed-until");
            newSettings.putAll(settings);
            Map<String, Secret> newSecrets = new HashMap<>(base.secrets());
            secrets.forEach((name, value) -> newSecrets.put(name, Secret.of(value)));
            return new Connection(base.service(), base.id(), newSettings, newSecrets);
        }
    }
}
