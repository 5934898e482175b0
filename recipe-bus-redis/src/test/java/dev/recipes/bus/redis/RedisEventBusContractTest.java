package dev.recipes.bus.redis;

import dev.recipes.core.EventBus;
import dev.recipes.testkit.bus.EventBusContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the bus contract on the shared Redis, with a key prefix of its own per bus. */
final class RedisEventBusContractTest extends EventBusContract {

    private static final Duration CLAIM_IDLE = Duration.ofMillis(500);

    private final List<RedisFixture> fixtures = new CopyOnWriteArrayList<>();
    private final Map<EventBus, RedisFixture> fixtureOf = new ConcurrentHashMap<>();

    // Runs after the suite's own clean-up, which closes the buses and releases their handlers.
    @RegisterExtension
    final AfterEachCallback deleteKeys = context -> {
        for (RedisFixture fixture : fixtures) {
            fixture.close();
        }
    };

    @Override
    protected EventBus newBus() {
        RedisFixture fixture = new RedisFixture();
        fixtures.add(fixture);
        return busOn(fixture);
    }

    @Override
    protected EventBus newBusSharingBrokerWith(EventBus first) {
        return busOn(fixtureOf.get(first));
    }

    private EventBus busOn(RedisFixture fixture) {
        RedisEventBus bus = RedisFixture.bus(fixture.backend()).claimIdle(CLAIM_IDLE).build();
        fixtureOf.put(bus, fixture);
        return bus;
    }

    @Override
    protected boolean redeliversFailedEvents() {
        return true;
    }

    @Override
    protected Duration redeliveryWait() {
        return CLAIM_IDLE.multipliedBy(6);
    }
}
