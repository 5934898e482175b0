package dev.recipes.testkit;

import java.util.Objects;
import java.util.function.Function;

/**
 * Starts one kind of fake for a {@link TestEngine}, wires it into the engine, and closes it
 * when the test engine closes. A test asks for a fake by its type, with
 * {@link TestEngine#fake(Class)} or as a parameter of a {@code @RecipeTest} method.
 *
 * <pre>{@code
 * final class FakeCrmFactory implements FakeFactory<FakeCrm> {
 *     public Class<FakeCrm> type() {
 *         return FakeCrm.class;
 *     }
 *
 *     public FakeCrm start(TestEngine engine) {
 *         FakeCrm crm = FakeCrm.start(engine.clock());
 *         engine.config("crm.api-url", crm.url());      // before the engine starts
 *         return crm;
 *     }
 * }
 * }</pre>
 *
 * <p>The test engine starts each fake at most once, on the first request for its type, and
 * closes the fakes after the engine, newest first.
 *
 * @param <T> the type of the fake
 */
public interface FakeFactory<T> {

    /**
     * Returns the type a test asks for.
     *
     * @return the fake's class
     */
    Class<T> type();

    /**
     * Starts the fake and wires it in: sets the configuration the engine needs to reach it
     * ({@link TestEngine#config(String, String)}, possible only before the engine starts), adds
     * connections, and gives it the engine's clock and webhook handler where it needs them.
     *
     * @param engine the test engine the fake is for
     * @return the running fake
     * @throws Exception if the fake cannot start; the test engine reports it with the type
     */
    T start(TestEngine engine) throws Exception;

    /**
     * Stops the fake; by default closes it if it is {@link AutoCloseable}.
     *
     * @param fake the fake {@link #start} returned
     * @throws Exception if it cannot stop; the test engine reports it after closing the rest
     */
    default void close(T fake) throws Exception {
        if (fake instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /**
     * Returns a factory from a type and a function that starts the fake; the fake is closed if
     * it is {@link AutoCloseable}.
     *
     * @param type the fake's class
     * @param start starts and wires the fake
     * @param <T> the type of the fake
     * @return the factory
     */
    static <T> FakeFactory<T> of(Class<T> type, Function<TestEngine, T> start) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(start, "start");
        return new FakeFactory<>() {
            @Override
            public Class<T> type() {
                return type;
            }

            @Override
            public T start(TestEngine engine) {
                return start.apply(engine);
            }

            @Override
            public String toString() {
                return "FakeFactory[" + type.getName() + "]";
            }
        };
    }
}
