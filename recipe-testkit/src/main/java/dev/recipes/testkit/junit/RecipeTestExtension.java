package dev.recipes.testkit.junit;

import dev.recipes.testkit.FakeFactory;
import dev.recipes.testkit.TestEngine;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link RecipeTest}: gives each test a {@link TestEngine} and the
 * fakes it asks for, adds what the engine saw to failures, and closes the test engine (with
 * its fakes) after each test. Use it through the annotation, or with
 * {@code @ExtendWith(RecipeTestExtension.class)} for the default settings.
 */
public final class RecipeTestExtension
        implements ParameterResolver, AfterEachCallback, TestExecutionExceptionHandler {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(RecipeTestExtension.class);
    private static final String ENGINE = "test-engine";

    /** Creates the extension; JUnit does, for {@link RecipeTest}. */
    public RecipeTestExtension() {
    }

    /**
     * Takes parameters of type {@link TestEngine} and of every type of fake the test engine can
     * start.
     *
     * @param parameter the parameter
     * @param context the test's context
     * @return whether the extension resolves it
     */
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == TestEngine.class) {
            return true;
        }
        if (context.getTestMethod().isPresent()) {
            return engine(context).hasFake(type);
        }
        try (TestEngine probe = create(context)) {
            return probe.hasFake(type);
        }
    }

    /**
     * Returns the test's test engine, or its fake of the parameter's type, started on first
     * request.
     *
     * @param parameter the parameter
     * @param context the test's context
     * @return the test engine or the fake
     * @throws ParameterResolutionException if the parameter is not of a test or
     *     {@code @BeforeEach}/{@code @AfterEach} method, or the fake cannot start
     */
    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("@RecipeTest: a " + type.getSimpleName()
                    + " lives for one test; take it as a parameter of a @Test, @BeforeEach or "
                    + "@AfterEach method, not of " + parameter.getDeclaringExecutable());
        }
        TestEngine engine = engine(context);
        if (type == TestEngine.class) {
            return engine;
        }
        try {
            return engine.fake(type);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("@RecipeTest: cannot resolve parameter "
                    + parameter.getIndex() + " (" + type.getSimpleName() + ") of "
                    + parameter.getDeclaringExecutable().getName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds what the engine saw to a failure the testkit's assertions did not make, then
     * rethrows it.
     *
     * @param context the test's context
     * @param failure what the test threw
     * @throws Throwable the failure, always
     */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure)
            throws Throwable {
        TestEngine engine = context.getStore(NAMESPACE).get(ENGINE, TestEngine.class);
        throw engine == null ? failure : engine.addActivityTo(failure);
    }

    /**
     * Closes the test's test engine and its fakes, if the test had one; runs after the test's
     * {@code @AfterEach} methods, whether the test passed or failed.
     *
     * @param context the test's context
     */
    @Override
    public void afterEach(ExtensionContext context) {
        TestEngine engine = context.getStore(NAMESPACE).remove(ENGINE, TestEngine.class);
        if (engine != null) {
            engine.close();
        }
    }

    private static TestEngine engine(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        TestEngine engine = store.get(ENGINE, TestEngine.class);
        if (engine == null) {
            engine = create(context);
            store.put(ENGINE, engine);
        }
        return engine;
    }

    private static TestEngine create(ExtensionContext context) {
        RecipeTest settings = settings(context);
        if (settings == null) {
            return TestEngine.manualTime();
        }
        TestEngine engine = settings.realTime() ? TestEngine.realTime()
                : TestEngine.manualTime(startAt(settings));
        engine.idleTimeout(idleTimeout(settings));
        for (Class<? extends FakeFactory<?>> factory : settings.fakes()) {
            engine.register(instantiate(factory));
        }
        return engine;
    }

    // The nearest wins: the method, then its class and superclasses, then enclosing classes.
    private static RecipeTest settings(ExtensionContext context) {
        Optional<RecipeTest> found = context.getTestMethod().flatMap(RecipeTestExtension::find);
        Class<?> type = context.getTestClass().orElse(null);
        while (found.isEmpty() && type != null) {
            found = find(type);
            type = type.getEnclosingClass();
        }
        return found.orElse(null);
    }

    private static Optional<RecipeTest> find(AnnotatedElement element) {
        return AnnotationSupport.findAnnotation(element, RecipeTest.class);
    }

    private static Instant startAt(RecipeTest settings) {
        try {
            return Instant.parse(settings.startAt());
        } catch (DateTimeParseException e) {
            throw new ExtensionConfigurationException("@RecipeTest(startAt = \""
                    + settings.startAt() + "\"): not an ISO-8601 instant, such as "
                    + "2026-01-05T09:00:00Z", e);
        }
    }

    private static Duration idleTimeout(RecipeTest settings) {
        Duration timeout;
        try {
            timeout = Duration.parse(settings.idleTimeout());
        } catch (DateTimeParseException e) {
            throw new ExtensionConfigurationException("@RecipeTest(idleTimeout = \""
                    + settings.idleTimeout() + "\"): not an ISO-8601 duration, such as PT10S",
                    e);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ExtensionConfigurationException("@RecipeTest(idleTimeout = \""
                    + settings.idleTimeout() + "\"): must be positive");
        }
        return timeout;
    }

    private static FakeFactory<?> instantiate(Class<? extends FakeFactory<?>> type) {
        try {
            Constructor<? extends FakeFactory<?>> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExtensionConfigurationException("@RecipeTest(fakes = "
                    + type.getName() + ".class): cannot create it; a fake factory needs a "
                    + "constructor without parameters (" + e + ")", e);
        }
    }
}
