package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

final class ConnectionStoreTest {

    private final ConnectionStore store = ConnectionStore.inMemory();

    @Test
    void put_thenFind_returnsConnection() {
        Connection connection = slack("t1", "xoxb-1");

        store.put(connection);

        assertThat(store.find("slack", "t1")).contains(connection);
        assertThat(store.find("slack", "t2")).isEmpty();
    }

    @Test
    void list_returnsOneServiceOrderedById() {
        store.put(slack("t2", "xoxb-2"));
        store.put(slack("t1", "xoxb-1"));
        store.put(Connection.builder("github", "t1").build());

        assertThat(store.list("slack")).extracting(Connection::id).containsExactly("t1", "t2");
        assertThat(store.list("sheets")).isEmpty();
    }

    @Test
    void delete_removesOnlyThatConnection() {
        store.put(slack("t1", "xoxb-1"));
        store.put(slack("t2", "xoxb-2"));

        assertThat(store.delete("slack", "t1")).isTrue();

        assertThat(store.delete("slack", "t1")).isFalse();
        assertThat(store.list("slack")).extracting(Connection::id).containsExactly("t2");
    }

    @Test
    void replace_storesUpdateWhenStoredEqualsExpected() {
        Connection read = slack("t1", "xoxb-1");
        store.put(read);

        boolean replaced = store.replace(slack("t1", "xoxb-1"), slack("t1", "xoxb-2"));

        assertThat(replaced).isTrue();
        assertThat(store.find("slack", "t1")).contains(slack("t1", "xoxb-2"));
    }

    @Test
    void replace_refusesStaleExpectedOrMissingConnection() {
        store.put(slack("t1", "xoxb-2"));

        assertThat(store.replace(slack("t1", "xoxb-1"), slack("t1", "xoxb-3"))).isFalse();
        assertThat(store.replace(slack("t9", "xoxb-1"), slack("t9", "xoxb-3"))).isFalse();
        assertThat(store.find("slack", "t1")).contains(slack("t1", "xoxb-2"));
        assertThat(store.find("slack", "t9")).isEmpty();
    }

    @Test
    void replace_rejectsAnotherConnection() {
        store.put(slack("t1", "xoxb-1"));

        assertThatThrownBy(() -> store.replace(slack("t1", "xoxb-1"), slack("t2", "xoxb-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connection 'slack/t1': cannot be replaced by 'slack/t2';"
                        + " replace keeps the service and id");
    }

    @Test
    void replace_manyThreadsRacing_exactlyOneWins() throws Exception {
        Connection read = slack("t1", "xoxb-0");
        store.put(read);
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Boolean>> results = new ArrayList<>();

        try {
            for (int i = 1; i <= threads; i++) {
                Connection mine = slack("t1", "xoxb-" + i);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.replace(read, mine);
                }));
            }
            start.countDown();
            List<Integer> winners = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                if (results.get(i).get()) {
                    winners.add(i + 1);
                }
            }

            assertThat(winners).hasSize(1);
            assertThat(store.find("slack", "t1")).contains(slack("t1", "xoxb-" + winners.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void defaultMethods_failWithAnInstruction() {
        ConnectionStore minimal = new ConnectionStore() {
            @Override
            public Optional<Connection> find(String service, String id) {
                return Optional.empty();
            }

            @Override
            public void put(Connection connection) {
            }
        };

        assertThatThrownBy(() -> minimal.replace(slack("t1", "a"), slack("t1", "b")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("implement ConnectionStore.replace");
        assertThatThrownBy(() -> minimal.list("slack"))
                .hasMessageContaining("implement ConnectionStore.list");
        assertThatThrownBy(() -> minimal.delete("slack", "t1"))
                .hasMessageContaining("implement ConnectionStore.delete");
    }

    private static Connection slack(String id, String token) {
        return Connection.builder("slack", id)
                .setting("team", id)
                .secret("bot-token", token)
                .build();
    }
}
