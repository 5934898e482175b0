package dev.recipes.testkit.junit;

import dev.recipes.testkit.FakeFactory;
import dev.recipes.testkit.TestEngine;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Makes a JUnit 5 test class (or one test method) a recipe test: a test, {@code @BeforeEach}
 * or {@code @AfterEach} method may take a {@link TestEngine} and fakes as parameters, made for
 * each test and closed after it, whether it passed or failed.
 *
 * <pre>{@code
 * @RecipeTest
 * final class SalesLogTest {
 *
 *     @Test
 *     void invoiceBecomesARow(TestEngine engine, SlackSimulator slack, FakeSheetsServer sheets) {
 *         engine.recipe(SalesLog.recipe());
 *         sheets.createSpreadsheet("1AbCsheet", "Log");
 *
 *         slack.message("C0SALES", "U0USER1", "invoice #42 paid").send();
 *         engine.awaitIdle();
 *
 *         engine.assertThatSheet(sheets, "1AbCsheet", "Log")
 *                 .containsExactlyRows(List.of("U0USER1", "invoice #42 paid"));
 *     }
 * }
 * }</pre>
 *
 * <p>The parameters of one test share one test engine and one fake of each type. A fake is any
 * type {@link TestEngine#fake(Class)} can start, the built-in ones and those of
 * {@link #fakes()}. When a test fails with an error the testkit did not make, the extension
 * adds what the engine saw to it, as a suppressed exception. On a method, the annotation's
 * settings replace the class's.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RecipeTestExtension.class)
public @interface RecipeTest {

    /**
     * Whether the engine runs on the system clock with timers that fire by themselves, instead
     * of manual time moved by {@link TestEngine#advance(java.time.Duration)}.
     *
     * @return {@code false} by default: manual time
     */
    boolean realTime() default false;

    /**
     * Where the manual clock stands when the test starts, as an ISO-8601 instant; ignored with
     * real time.
     *
     * @return {@code 2026-01-05T09:00:00Z} by default, {@link TestEngine#DEFAULT_START}
     */
    String startAt() default "2026-01-05T09:00:00Z";

    /**
     * How long the test engine's waits take at most, as an ISO-8601 duration.
     *
     * @return {@code PT10S} by default, {@link TestEngine#DEFAULT_IDLE_TIMEOUT}
     */
    String idleTimeout() default "PT10S";

    /**
     * Factories of further fakes the test may take as parameters; each needs a constructor
     * without parameters.
     *
     * @return none by default
     */
    Class<? extends FakeFactory<?>>[] fakes() default {};
}
