package dev.recipes.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block in README.md and docs/ compiles against the project as it is, so
 * that the docs cannot drift from the API. The markers a block may carry are described in
 * docs/README.md.
 */
final class DocsCodeBlocksTest {

    @Test
    void everyJavaBlockInTheDocsCompiles() {
        Path root = JavaBlockChecker.projectRoot();
        Map<String, String> documents = JavaBlockChecker.projectDocuments(root);

        JavaBlockChecker.Report report = JavaBlockChecker.onTestClassPath().check(documents);

        assertThat(documents).containsKey("README.md").containsKey("docs/engine.md");
        assertThat(report.blocks()).as("java blocks found").isGreaterThan(10);
        assertThat(report.failures()).withFailMessage(report::describe).isEmpty();
    }
}
