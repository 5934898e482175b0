package dev.recipes.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docs checker itself: what compiles, what fails, and how failures read. */
final class JavaBlockCheckerTest {

    private static final JavaBlockChecker CHECKER = JavaBlockChecker.onTestClassPath();

    @Test
    void statementsCompileInAMethodThatThrows() {
        JavaBlockChecker.Report report = check("""
                Some prose.

                ```java
                Secret secret = Secret.of("s3cret");
                Duration wait = Duration.ofSeconds(5);
                List<String> names = new ArrayList<>();
                JsonNode node = new ObjectMapper().readTree("{}");   // throws IOException
                Thread.sleep(wait.toMillis());
                ```
                """);

        assertThat(report.failures()).isEmpty();
        assertThat(report.blocks()).isEqualTo(1);
    }

    @Test
    void classBodyMembersCompileInAClass() {
        JavaBlockChecker.Report report = check("""
                ```java
                private static final Secret SECRET = Secret.of("s3cret");

                @Test
                void checksTheSecret() {
                    assertThat(SECRET.reveal()).isEqualTo("s3cret");
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void aCompilationUnitGetsTheImportsItLacks() {
        JavaBlockChecker.Report report = check("""
                ```java
                import java.util.Optional;

                public final class Echo implements EventHandler {
                    @Override
                    public void handle(Event event) {
                        Optional.of(event.type()).ifPresent(System.out::println);
                    }
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void aFailureSaysHowTheBlockWasCompiled() {
        JavaBlockChecker.Report report = check("""
                ```java
                final class Broken implements EventHandler {
                }
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:2: Broken is not abstract")
                .contains("(compiled as a compilation unit)");
    }

    @Test
    void importsAtTheTopOfAStatementBlockStayImports() {
        JavaBlockChecker.Report report = check("""
                ```java
                import java.util.concurrent.locks.ReentrantLock;

                ReentrantLock lock = new ReentrantLock();
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void aNameTwoImportedPackagesDeclareIsSettledAndABlockMayChooseTheOther() {
        JavaBlockChecker.Report report = check("""
                ```java
                Module base = Object.class.getModule();     // java.lang, not Jackson's
                ```

                ```java
                import com.fasterxml.jackson.databind.Module;

                Module jackson = new com.fasterxml.jackson.databind.module.SimpleModule();
                ```
                """);

        assertThat(report.failures()).isEmpty();
        assertThat(report.blocks()).isEqualTo(2);
    }

    @Test
    void blocksDeclaringTheSameClassDoNotClash() {
        JavaBlockChecker.Report report = check("""
                ```java
                final class Example {
                }
                ```

                ```java
                final class Example {
                    int size;
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void aFailureNamesFileAndLineAndShowsTheOffendingLine() {
        JavaBlockChecker.Report report = check("""
                # Title

                ```java
                Secret secret = Secret.of("s3cret");
                int length = secret.lenght();
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:5: cannot find symbol")
                .contains("method lenght()", "compiled as statements")
                .contains("\n    int length = secret.lenght();\n")
                .endsWith("\n    " + " ".repeat("int length = secret".length()) + "^");
    }

    @Test
    void aSyntaxErrorIsReportedAtItsLine() {
        JavaBlockChecker.Report report = check("""
                ```java
                Secret secret = Secret.of("s3cret");
                secret.reveal(;
                ```
                """);

        assertThat(report.failures()).isNotEmpty()
                .allSatisfy(failure -> assertThat(failure).startsWith("guide.md:3: "));
    }

    @Test
    void everyFailureOfEveryDocumentIsReportedAtOnce() {
        Map<String, String> documents = new LinkedHashMap<>();
        documents.put("docs/a.md", "```java\nint a = \"text\";\n```\n");
        documents.put("docs/b.md", "Text.\n\n```java\nvoid m() { undefined(); }\n```\n"
                + "\n```java\nString b = 1;\n```\n");
        documents.put("docs/c.md", "```java\nint unset;\nint twice = unset * 2;\n```\n");

        JavaBlockChecker.Report report = CHECKER.check(documents);

        assertThat(report.blocks()).isEqualTo(4);
        assertThat(report.failures()).hasSize(4);
        assertThat(report.failures().get(0)).startsWith("docs/a.md:2: incompatible types");
        assertThat(report.failures().get(1)).startsWith("docs/b.md:4: cannot find symbol")
                .contains("compiled as class-body members");
        assertThat(report.failures().get(2)).startsWith("docs/b.md:8: incompatible types");
        assertThat(report.failures().get(3)).startsWith("docs/c.md:3: variable unset might"
                + " not have been initialized");
        assertThat(report.describe()).startsWith("4 problem(s) in the 4 ```java blocks");
    }

    @Test
    void aFreeVariableFailsWithAHintAndCompilesOnceDeclaredInTheContextMarker() {
        String block = """
                ```java
                engine.start();
                List<List<Object>> rows = sheets.rows("1AbCsheet", "Log");
                ```
                """;

        JavaBlockChecker.Report bare = check("Text.\n" + block);
        JavaBlockChecker.Report declared = check("Text.\n"
                + "<!-- java-context: RecipeEngine engine; FakeSheetsServer sheets; -->\n"
                + block);

        assertThat(bare.failures()).hasSize(2);
        assertThat(bare.failures().get(0)).startsWith("guide.md:3: cannot find symbol")
                .contains("<!-- java-context: Type engine; -->");
        assertThat(declared.failures()).isEmpty();
    }

    @Test
    void aContextMarkerDeclaresMethodsAndARepeatedErrorIsReportedOnce() {
        String block = """
                ```java
                Recipe first = salesLog();
                Recipe second = salesLog();
                ```
                """;

        JavaBlockChecker.Report bare = check(block);
        JavaBlockChecker.Report declared = check(
                "<!-- java-context: Recipe salesLog(); Secret secret(String name) -->\n" + block);

        assertThat(bare.failures()).singleElement().asString()
                .startsWith("guide.md:2: cannot find symbol; symbol: method salesLog()")
                .contains("the same at line(s) 3")
                .contains("<!-- java-context: Type salesLog(); -->");
        assertThat(declared.failures()).isEmpty();
    }

    @Test
    void contextVariablesServeMemberBlocksToo() {
        JavaBlockChecker.Report report = check("""
                <!-- java-context: Map<String, List<Integer>> table; int[] counts -->
                ```java
                static int total() {
                    return counts.length + table.size();
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void malformedMarkersFail() {
        JavaBlockChecker.Report report = check("""
                <!-- java-contxt: RecipeEngine engine; -->
                ```java
                int a = 1;
                ```

                <!-- java-context: RecipeEngine; -->
                ```java
                int b = 1;
                ```

                <!-- java-context RecipeEngine engine; -->
                ```java
                int c = 1;
                ```

                <!-- java-no-compile: -->
                ```java
                int d = 1;
                ```

                <!-- java-context: RecipeEngine engine;
                ```java
                int e = 1;
                ```

                <!-- java-context: RecipeEngine engine; -->

                ```java
                int f = 1;
                ```

                <!-- java-context: RecipeEngine engine; -->
                ```sh
                echo not java
                ```
                """);

        assertThat(report.failures()).hasSize(7);
        assertThat(report.failures().get(0)).startsWith("guide.md:1: unknown marker"
                + " 'java-contxt'");
        assertThat(report.failures().get(1)).startsWith("guide.md:6: java-context:"
                + " 'RecipeEngine' is not a declaration 'Type name'");
        assertThat(report.failures().get(2)).startsWith("guide.md:11: marker 'java-context'"
                + " needs a colon");
        assertThat(report.failures().get(3)).startsWith("guide.md:16: marker"
                + " 'java-no-compile' needs a colon and the reason");
        assertThat(report.failures().get(4)).startsWith("guide.md:21: malformed marker");
        assertThat(report.failures().get(5)).startsWith("guide.md:26: the marker"
                + " 'java-context' must be on the line right above a ```java block");
        assertThat(report.failures().get(6)).startsWith("guide.md:32: the marker");
    }

    @Test
    void contextVariablesServeCompilationUnitsToo() {
        JavaBlockChecker.Report report = check("""
                <!-- java-context: URI broker; Secret secret(String name); -->
                ```java
                final class Holder {
                    String target() {
                        return broker + secret("key").toString();
                    }
                }
                ```
                """);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void aBlockMarkedNoCompileMustNotCompile() {
        JavaBlockChecker.Report report = check("""
                <!-- java-no-compile: shows the mistake the compiler stops -->
                ```java
                String text = 42;
                ```

                <!-- java-no-compile: said to fail, but does not -->
                ```java
                String text = "42";
                ```

                <!-- java-no-compile: pseudo-code -->
                ```java
                when slack says hi then append a row
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .isEqualTo("guide.md:7: the block is marked java-no-compile but compiles;"
                        + " remove the marker");
    }

    @Test
    void theDocsUseNoInternalPackage() {
        JavaBlockChecker.Report report = check("""
                ```java
                import dev.recipes.core.internal.Json;

                Object mapper = null;
                ```
                """);

        assertThat(report.failures()).singleElement().asString()
                .startsWith("guide.md:2: imports from an internal package");
    }

    @Test
    void anUnclosedOrEmptyBlockFails() {
        JavaBlockChecker.Report report = check("""
                ```java
                ```

                ```java
                int open = 1;
                """);

        assertThat(report.failures()).hasSize(2);
        assertThat(report.failures().get(0)).startsWith("guide.md:1: empty ```java block");
        assertThat(report.failures().get(1)).startsWith("guide.md:4: the ``` block opened"
                + " here is not closed");
    }

    @Test
    void onlyJavaBlocksAreCompiledAndIndentedOnesAreFound() {
        JavaBlockChecker.Report report = check("""
                ```sh
                mvn verify
                ```

                1. A step:

                   ```java
                   int indented = 1;
                   ```
                """);

        assertThat(report.blocks()).isEqualTo(1);
        assertThat(report.failures()).isEmpty();
    }

    @Test
    void findsTheProjectAndItsDocuments() {
        Map<String, String> documents = JavaBlockChecker.projectDocuments(
                JavaBlockChecker.projectRoot());

        assertThat(documents.keySet()).contains("README.md", "docs/README.md")
                .allMatch(name -> name.equals("README.md") || name.startsWith("docs/"));
        assertThat(JavaBlockChecker.testClassPath()).isNotEmpty();
    }

    @Test
    void followsTheClassPathThatAManifestOnlyJarLists(@TempDir Path dir) throws Exception {
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path library = dir.resolve("lib with space.jar");
        writeJar(library, null);
        Path booter = dir.resolve("booter.jar");
        writeJar(booter, classes.toUri() + " " + library.toUri());

        List<Path> entries = JavaBlockChecker.expandClassPath(booter.toString());

        assertThat(entries).containsExactly(booter, classes, library);
    }

    private static void writeJar(Path path, String classPath) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (classPath != null) {
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        }
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(path), manifest)) {
            jar.flush();
        }
    }

    private static JavaBlockChecker.Report check(String markdown) {
        return CHECKER.check(Map.of("guide.md", markdown));
    }
}
