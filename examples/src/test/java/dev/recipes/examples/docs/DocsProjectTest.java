package dev.recipes.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.spi.Service;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The blocks of one document that {@code java-file} and {@code file} markers name: compiled
 * together as written, with their resources, and their tests run.
 */
final class DocsProjectTest {

    private static final JavaBlockChecker CHECKER = JavaBlockChecker.onTestClassPath();

    private static final String GREETER = """
            <!-- java-file: src/main/java/com/example/greet/Greeter.java -->
            ```java
            package com.example.greet;

            public final class Greeter {

                public String greet(String name) {
                    return "Hello, " + name;
                }
            }
            ```
            """;

    private static final String PAGER = """
            <!-- java-file: src/main/java/com/example/pager/PagerService.java -->
            ```java
            package com.example.pager;

            import dev.recipes.core.spi.Service;

            public final class PagerService implements Service {

                @Override
                public String id() {
                    return "pager";
                }
            }
            ```
            """;

    private static final String PAGER_REGISTRATION = """
            <!-- file: src/main/resources/META-INF/services/dev.recipes.core.spi.Service -->
            ```text
            com.example.pager.PagerService
            ```
            """;

    private static final String PAGER_TEST = """
            <!-- java-file: src/test/java/com/example/pager/PagerServiceTest.java -->
            ```java
            package com.example.pager;

            import static org.assertj.core.api.Assertions.assertThat;

            import dev.recipes.core.spi.Service;
            import java.util.ServiceLoader;
            import org.junit.jupiter.api.Test;

            class PagerServiceTest {

                @Test
                void isRegisteredForTheServiceLoader() {
                    assertThat(ServiceLoader.load(Service.class).stream()
                            .map(provider -> provider.type().getName()))
                            .containsExactly("com.example.pager.PagerService");
                }
            }
            ```
            """;

    private static String greeterTest(String expected) {
        return """
                <!-- java-file: src/test/java/com/example/greet/GreeterTest.java -->
                ```java
                package com.example.greet;

                import static org.assertj.core.api.Assertions.assertThat;

                import org.junit.jupiter.api.Test;

                class GreeterTest {

                    @Test
                    void greetsByName() {
                        assertThat(new Greeter().greet("Ada")).isEqualTo("%s");
                    }
                }
                ```
                """.formatted(expected);
    }

    @Test
    void aTestBlockUsesTheClassOfAnEarlierBlockAndRuns() {
        JavaBlockChecker.Report report = check("A guide.\n\n" + GREETER + "\nThen:\n\n"
                + greeterTest("Hello, Ada"));

        assertThat(report.failures()).isEmpty();
        assertThat(report.blocks()).isEqualTo(2);
        assertThat(report.tests()).isEqualTo(1);
    }

    @Test
    void aFailingTestIsReportedWithItsNameMessageAndTheLineThatFailed() {
        String markdown = GREETER + "\n" + greeterTest("Hi, Ada");

        JavaBlockChecker.Report report = check(markdown);

        int line = lineOf(markdown, "isEqualTo(\"Hi, Ada\")");
        assertThat(report.tests()).isEqualTo(1);
        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:" + line + ": test 'GreeterTest > greetsByName()' failed:"
                        + " org.opentest4j.AssertionFailedError")
                .contains("expected: \"Hi, Ada\"", "but was: \"Hello, Ada\"")
                .contains("\n    at docs-project//com.example.greet.GreeterTest.greetsByName("
                        + "GreeterTest.java:" + (line - lineOf(markdown, "package com.example"
                        + ".greet;\n\nimport static") + 1) + ") [guide.md:" + line + "]");
    }

    @Test
    void aFailureThrownDeepInALibraryStillPointsAtTheTestsLine() {
        String markdown = """
                <!-- java-file: src/test/java/DeepTest.java -->
                ```java
                import static org.junit.jupiter.api.Assertions.assertEquals;

                import org.junit.jupiter.api.Test;

                class DeepTest {

                    @Test
                    void comparesNumbers() {
                        assertEquals(1, 2, "numbers differ");
                    }
                }
                ```
                """;

        JavaBlockChecker.Report report = check(markdown);

        int line = lineOf(markdown, "assertEquals(1, 2");
        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:" + line + ": test 'DeepTest > comparesNumbers()' failed:"
                        + " org.opentest4j.AssertionFailedError: numbers differ ==> expected:"
                        + " <1> but was: <2>\n    at org.junit.")
                .contains("\n    at docs-project//DeepTest.comparesNumbers(DeepTest.java:9)"
                        + " [guide.md:" + line + "]");
    }

    @Test
    void anAbortedTestFailsTheCheckAndOneThatIgnoresInterruptsStillTimesOut() {
        String markdown = """
                <!-- java-file: src/test/java/AbortedTest.java -->
                ```java
                import static org.junit.jupiter.api.Assumptions.assumeTrue;

                import java.util.concurrent.TimeUnit;
                import org.junit.jupiter.api.Test;
                import org.junit.jupiter.api.Timeout;

                class AbortedTest {

                    @Test
                    void provesNothing() {
                        assumeTrue(false, "skipped on purpose");
                    }

                    @Test
                    @Timeout(value = 300, unit = TimeUnit.MILLISECONDS)
                    void spins() {
                        long sum = 0;
                        while (sum >= 0) {
                            sum += System.nanoTime() & 1;
                        }
                    }
                }
                ```
                """;

        JavaBlockChecker.Report report = check(markdown);

        assertThat(report.failures()).hasSize(2);
        assertThat(String.join("\n", report.failures()))
                .contains("test 'AbortedTest > provesNothing()' failed: "
                        + "org.opentest4j.TestAbortedException")
                .contains("test 'AbortedTest > spins()' failed: "
                        + "java.util.concurrent.TimeoutException");
    }

    @Test
    void aServiceRegisteredInAResourceBlockIsTheOnlyOneTheProjectsTestFindsAndNoOneElseDoes() {
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        JavaBlockChecker.Report registered = check(PAGER + PAGER_REGISTRATION + PAGER_TEST);
        JavaBlockChecker.Report unregistered = check(PAGER + PAGER_TEST);

        assertThat(registered.failures()).isEmpty();
        assertThat(registered.tests()).isEqualTo(1);
        assertThat(unregistered.failures()).singleElement().asString()
                .contains("test 'PagerServiceTest > isRegisteredForTheServiceLoader()' failed")
                .contains("com.example.pager.PagerService");
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
        assertThat(ServiceLoader.load(Service.class).stream()
                .map(provider -> provider.type().getName()))
                .isNotEmpty()
                .doesNotContain("com.example.pager.PagerService");
    }

    @Test
    void aTestResourceIsOnTheTestsClassPath() {
        JavaBlockChecker.Report report = check("""
                <!-- file: src/test/resources/greetings/en.txt -->
                ```
                Hello
                ```

                <!-- java-file: src/test/java/ResourceTest.java -->
                ```java
                import static org.assertj.core.api.Assertions.assertThat;

                import java.nio.charset.StandardCharsets;
                import org.junit.jupiter.api.Test;

                class ResourceTest {

                    @Test
                    void readsTheResource() throws Exception {
                        try (var in = getClass().getResourceAsStream("/greetings/en.txt")) {
                            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                                    .isEqualTo("Hello\\n");
                        }
                    }
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
        assertThat(report.tests()).isEqualTo(1);
    }

    @Test
    void aProjectWithoutTestsIsOnlyCompiled() {
        JavaBlockChecker.Report report = check(GREETER + PAGER + PAGER_REGISTRATION);

        assertThat(report.failures()).isEmpty();
        assertThat(report.tests()).isZero();
    }

    @Test
    void aCompileErrorIsReportedAtItsMarkdownLine() {
        String markdown = GREETER + "\n" + greeterTest("Hello, Ada")
                .replace("new Greeter().greet(", "new Greeter().greeting(");

        JavaBlockChecker.Report report = check(markdown);

        assertThat(report.tests()).isZero();
        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:" + lineOf(markdown, ".greeting(") + ": cannot find symbol")
                .contains("method greeting(java.lang.String)")
                .contains("\n            assertThat(new Greeter().greeting(\"Ada\"))");
    }

    @Test
    void blocksCompileAsWrittenWithoutAddedImports() {
        JavaBlockChecker.Report report = check("""
                <!-- java-file: src/main/java/com/example/Names.java -->
                ```java
                package com.example;

                public final class Names {
                    public static final List<String> ALL = List.of("Ada");
                }
                ```
                """);

        assertThat(report.failures()).isNotEmpty()
                .allSatisfy(failure -> assertThat(failure).startsWith("guide.md:6: cannot find"
                        + " symbol"));
    }

    @Test
    void mainSourcesCannotSeeTestSources() {
        JavaBlockChecker.Report report = check("""
                <!-- java-file: src/main/java/com/example/Main.java -->
                ```java
                package com.example;

                public final class Main {
                    static final Class<?> TEST = MainTest.class;
                }
                ```

                <!-- java-file: src/test/java/com/example/MainTest.java -->
                ```java
                package com.example;

                class MainTest {
                }
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:6: cannot find symbol");
    }

    @Test
    void eachDocumentIsItsOwnProject() {
        Map<String, String> documents = new LinkedHashMap<>();
        documents.put("docs/a.md", GREETER + greeterTest("Hello, Ada"));
        documents.put("docs/b.md", GREETER.replace("\"Hello, \"", "\"Hi, \"")
                + greeterTest("Hi, Ada"));
        documents.put("docs/c.md", greeterTest("Hello, Ada"));

        JavaBlockChecker.Report report = CHECKER.check(documents);

        assertThat(report.tests()).isEqualTo(2);
        assertThat(report.failures()).isNotEmpty().allSatisfy(failure -> assertThat(failure)
                .startsWith("docs/c.md:").contains("cannot find symbol", "class Greeter"));
    }

    @Test
    void unmarkedBlocksKeepCompilingOnTheirOwn() {
        JavaBlockChecker.Report report = check(GREETER + """

                ```java
                Duration wait = Duration.ofSeconds(1);
                ```

                ```java
                Greeter greeter = new Greeter();
                ```
                """);

        assertThat(report.blocks()).isEqualTo(3);
        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:18: cannot find symbol").contains("class Greeter");
    }

    @Test
    void badPathsAreRejected() {
        JavaBlockChecker.Report report = check(javaFile("pom.xml")
                + javaFile("src/main/kotlin/com/example/A.java")
                + javaFile("src/main/java/../java/com/example/A.java")
                + javaFile("/src/main/java/com/example/A.java")
                + javaFile("src\\main\\java\\com\\example\\A.java")
                + javaFile("src/main/java/com/example/A.txt")
                + javaFile("src/main/resources/com/example/A.java")
                + javaFile("src/main/java/com/example/two-words.java")
                + javaFile("src/main/java/module-info.java")
                + resource("pom.xml")
                + resource("src/main/java/com/example/A.txt")
                + resource("src/test/resources/./a.txt")
                + resource("src/test/resources/")
                + javaFile("src/main/java/com/example/A.java")
                + resource("src/main/java/com/example/A.java".replace("java/com", "resources/com"))
                + resource("src/main/resources/com/example/A.java"));

        assertThat(report.tests()).isZero();
        assertThat(report.failures()).containsExactly(
                "guide.md:1: java-file 'pom.xml' is not under src/main/java/ or src/test/java/",
                "guide.md:5: java-file 'src/main/kotlin/com/example/A.java' is not under"
                        + " src/main/java/ or src/test/java/",
                "guide.md:9: java-file 'src/main/java/../java/com/example/A.java' has a '..',"
                        + " '.' or empty part; give the plain path from the project's root",
                "guide.md:13: java-file '/src/main/java/com/example/A.java' is absolute; give the"
                        + " path from the project's root, such as"
                        + " src/main/java/com/example/Example.java",
                "guide.md:17: java-file 'src\\main\\java\\com\\example\\A.java' has a '\\';"
                        + " separate the parts of a path with '/'",
                "guide.md:21: java-file 'src/main/java/com/example/A.txt' does not end in .java",
                "guide.md:25: java-file 'src/main/resources/com/example/A.java' is not under"
                        + " src/main/java/ or src/test/java/; a resource takes <!-- file: path -->"
                        + " above a ```text block",
                "guide.md:29: java-file 'src/main/java/com/example/two-words.java' is not named"
                        + " after a class: 'two-words' is not a Java name",
                "guide.md:33: java-file 'src/main/java/module-info.java' is a module descriptor;"
                        + " the project compiles on the class path, without one",
                "guide.md:37: file 'pom.xml' is not under src/main/resources/ or"
                        + " src/test/resources/; a file the check does not use, such as a"
                        + " pom.xml, takes no marker",
                "guide.md:41: file 'src/main/java/com/example/A.txt' is not under"
                        + " src/main/resources/ or src/test/resources/; Java source takes"
                        + " <!-- java-file: path --> above a ```java block",
                "guide.md:45: file 'src/test/resources/./a.txt' has a '..', '.' or empty part;"
                        + " give the plain path from the project's root",
                "guide.md:49: file 'src/test/resources/' has a '..', '.' or empty part; give the"
                        + " plain path from the project's root",
                "guide.md:61: file 'src/main/resources/com/example/A.java' is already the path"
                        + " of the file marked at line 57");
    }

    @Test
    void aSourceMustDeclareThePackageAndTypeItsPathNames() {
        JavaBlockChecker.Report report = check("""
                <!-- java-file: src/main/java/com/example/tickets/Tickets.java -->
                ```java
                package com.example;

                public final class Tickets {
                }
                ```

                <!-- java-file: src/main/java/com/example/tickets/TicketsService.java -->
                ```java
                package com.example.tickets;

                final class Service {
                }
                ```
                """);

        assertThat(report.failures()).containsExactly(
                "guide.md:3: java-file 'src/main/java/com/example/tickets/Tickets.java' needs"
                        + " 'package com.example.tickets;' to match its path; the block has"
                        + " 'package com.example;'",
                "guide.md:9: java-file 'src/main/java/com/example/tickets/TicketsService.java'"
                        + " must declare a top-level type named TicketsService, as its file name"
                        + " says; the block declares Service");
    }

    @Test
    void aTestSourceWithoutTestsFails() {
        JavaBlockChecker.Report report = check(GREETER + """
                <!-- java-file: src/test/java/com/example/greet/GreeterTest.java -->
                ```java
                package com.example.greet;

                class GreeterTest {
                    void greets() {
                    }
                }
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .isEqualTo("guide.md:12: the project's classes under src/test/java/ hold no"
                        + " test that ran on JUnit Jupiter: com.example.greet.GreeterTest");
    }

    @Test
    void fileMarkersGoWithTheirKindOfBlock() {
        JavaBlockChecker.Report report = check("""
                <!-- java-file: src/main/resources/a.txt -->
                ```text
                a
                ```

                <!-- file: src/main/java/com/example/A.java -->
                ```java
                int a = 1;
                ```

                <!-- java-context: RecipeEngine engine; -->
                <!-- java-file: src/main/java/com/example/B.java -->
                ```java
                package com.example;

                final class B {
                }
                ```

                <!-- java-no-compile: broken on purpose -->
                <!-- java-file: src/main/java/com/example/C.java -->
                ```java
                package com.example;

                final class C {
                ```

                <!-- file: src/main/resources/b.txt -->

                ```text
                b
                ```

                <!-- java-file: -->
                ```java
                int b = 1;
                ```
                """);

        assertThat(report.failures()).hasSize(6);
        assertThat(report.failures().get(0)).startsWith("guide.md:1: the marker 'java-file'"
                + " must be on the line right above a ```java block");
        assertThat(report.failures().get(1)).startsWith("guide.md:6: the marker 'file' names"
                + " a file that is not Java source");
        assertThat(report.failures().get(2)).startsWith("guide.md:12: a java-file block is a"
                + " complete source file and takes no java-context");
        assertThat(report.failures().get(3)).startsWith("guide.md:21: a java-file block"
                + " compiles with its project and takes no java-no-compile");
        assertThat(report.failures().get(4)).startsWith("guide.md:28: the marker 'file' must"
                + " be on the line right above the fenced block");
        assertThat(report.failures().get(5)).startsWith("guide.md:34: marker 'java-file'"
                + " needs a colon and the file's path");
    }

    private static String javaFile(String path) {
        return "<!-- java-file: " + path + " -->\n```java\nclass A {}\n```\n";
    }

    private static String resource(String path) {
        return "<!-- file: " + path + " -->\n```text\na\n```\n";
    }

    /** The 1-based line of the first line of the Markdown that holds the text. */
    private static int lineOf(String markdown, String text) {
        int at = markdown.indexOf(text);
        assertThat(at).as("'%s' in the markdown", text).isNotNegative();
        return (int) markdown.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    private static JavaBlockChecker.Report check(String markdown) {
        return CHECKER.check(Map.of("guide.md", markdown));
    }
}
