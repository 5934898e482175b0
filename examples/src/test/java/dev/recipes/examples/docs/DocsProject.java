package dev.recipes.examples.docs;

import static dev.recipes.examples.docs.JavaBlockChecker.FILE;
import static dev.recipes.examples.docs.JavaBlockChecker.JAVA_FILE;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.Trees;
import dev.recipes.examples.docs.JavaBlockChecker.Block;
import dev.recipes.examples.docs.JavaBlockChecker.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.lang.model.SourceVersion;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The files one Markdown document names with {@code java-file} and {@code file} markers, laid
 * out as the small project a reader builds from them and checked as a build would: the sources
 * under src/main/java compile, then those under src/test/java with the main classes; each
 * resource sits next to the classes of its side; then every class of src/test/java runs on
 * JUnit Jupiter.
 *
 * <p>Sources compile as written, against the checker's class path, with nothing added. Tests
 * run in this JVM under a class loader that takes the project's own classes and resources from
 * the project first and everything else from this JVM's test class path. It is the context
 * class loader while they run, so {@code ServiceLoader} finds the project's registrations, and
 * no other code ever sees them. For the library's own extension points, such as
 * {@code dev.recipes.core.spi.Service}, it finds the project's registrations only, as in a
 * reader's project that depends on recipe-core alone.
 */
final class DocsProject {

    private static final String MAIN_JAVA = "src/main/java/";
    private static final String TEST_JAVA = "src/test/java/";
    private static final String MAIN_RESOURCES = "src/main/resources/";
    private static final String TEST_RESOURCES = "src/test/resources/";
    private static final String LOADER_NAME = "docs-project";
    private static final int STACK_FRAMES = 5;
    private static final int MESSAGE_LINES = 12;
    /** Far more than a guide's test needs; a test that hangs fails instead of the build. */
    private static final String TEST_TIMEOUT = "2 m";
    /** Engines only: listeners and filters on the class path belong to the build's own run. */
    private static final LauncherConfig LAUNCHER = LauncherConfig.builder()
            .enableTestExecutionListenerAutoRegistration(false)
            .enablePostDiscoveryFilterAutoRegistration(false)
            .enableLauncherDiscoveryListenerAutoRegistration(false)
            .enableLauncherSessionListenerAutoRegistration(false)
            .build();

    private final String document;
    private final List<Block> sources = new ArrayList<>();
    private final List<Resource> resources = new ArrayList<>();
    /** The block that declares each top-level type, by binary name, once compiled. */
    private final Map<String, Block> blocksByType = new HashMap<>();

    /**
     * A fenced block that holds a resource file.
     *
     * @param markerLine the line of its {@code file} marker
     * @param path the path the marker gives
     * @param lines the file's lines
     */
    record Resource(int markerLine, String path, List<String> lines) {

        Resource {
            lines = List.copyOf(lines);
        }
    }

    DocsProject(String document) {
        this.document = document;
    }

    void add(Block block) {
        sources.add(block);
    }

    void add(Resource resource) {
        resources.add(resource);
    }

    boolean isEmpty() {
        return sources.isEmpty() && resources.isEmpty();
    }

    /**
     * Lays the project out in a temporary directory, compiles it and runs its tests; what fails
     * goes to the problems, at the Markdown line it comes from.
     *
     * @param options the compiler options, without class path or output directory
     * @return how many tests ran
     */
    int check(JavaCompiler compiler, StandardJavaFileManager files, List<String> options,
            List<Path> classPath, List<Problem> problems) {
        if (!pathsAreValid(problems)) {
            return 0;
        }
        Path root = null;
        try {
            root = Files.createTempDirectory("recipes-docs-project-");
            Path classes = Files.createDirectories(root.resolve("classes"));
            Path testClasses = Files.createDirectories(root.resolve("test-classes"));
            if (!writeResources(classes, testClasses, problems)) {
                return 0;
            }
            Javac javac = new Javac(compiler, files, options);
            List<String> mainTypes = compile(javac, MAIN_JAVA, classes, classPath, problems);
            if (mainTypes == null) {
                return 0;
            }
            List<Path> testClassPath = new ArrayList<>();
            testClassPath.add(classes);
            testClassPath.addAll(classPath);
            List<String> testTypes = compile(javac, TEST_JAVA, testClasses, testClassPath,
                    problems);
            if (testTypes == null || testTypes.isEmpty()) {
                return 0;
            }
            return runTests(testTypes, testClasses, classes, problems);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(root);
        }
    }

    // ---------------------------------------------------------------- paths

    private boolean pathsAreValid(List<Problem> problems) {
        Map<String, Integer> seen = new HashMap<>();
        boolean valid = true;
        for (Block block : sources) {
            valid &= pathIsValid(JAVA_FILE, block.file, block.fileLine, seen, problems);
        }
        for (Resource resource : resources) {
            valid &= pathIsValid(FILE, resource.path(), resource.markerLine(), seen, problems);
        }
        return valid;
    }

    private boolean pathIsValid(String kind, String path, int line, Map<String, Integer> seen,
            List<Problem> problems) {
        String wrong = pathProblem(kind, path);
        if (wrong == null) {
            Integer first = seen.putIfAbsent(path, line);
            if (first != null) {
                wrong = "is already the path of the file marked at line " + first;
            }
        }
        if (wrong != null) {
            problems.add(Problem.at(document, line, kind + " '" + path + "' " + wrong, null, 0));
        }
        return wrong == null;
    }

    /** What is wrong with a marker's path, or null if nothing is. */
    private static String pathProblem(String kind, String path) {
        boolean java = kind.equals(JAVA_FILE);
        List<String> roots = java ? List.of(MAIN_JAVA, TEST_JAVA)
                : List.of(MAIN_RESOURCES, TEST_RESOURCES);
        if (path.contains("\\")) {
            return "has a '\\'; separate the parts of a path with '/'";
        }
        if (path.startsWith("/")) {
            return "is absolute; give the path from the project's root, such as " + roots.get(0)
                    + (java ? "com/example/Example.java" : "META-INF/services/...");
        }
        List<String> parts = List.of(path.split("/", -1));
        if (parts.contains("..") || parts.contains(".") || parts.contains("")) {
            return "has a '..', '.' or empty part; give the plain path from the project's root";
        }
        if (roots.stream().noneMatch(path::startsWith)) {
            List<String> others = java ? List.of(MAIN_RESOURCES, TEST_RESOURCES)
                    : List.of(MAIN_JAVA, TEST_JAVA);
            String hint;
            if (others.stream().anyMatch(path::startsWith)) {
                hint = java ? "; a resource takes <!-- " + FILE + ": path --> above a ```text"
                        + " block" : "; Java source takes <!-- " + JAVA_FILE + ": path -->"
                        + " above a ```java block";
            } else {
                hint = java ? "" : "; a file the check does not use, such as a pom.xml, takes"
                        + " no marker";
            }
            return "is not under " + roots.get(0) + " or " + roots.get(1) + hint;
        }
        if (java && !path.endsWith(".java")) {
            return "does not end in .java";
        }
        String name = parts.get(parts.size() - 1).replaceFirst("\\.java$", "");
        if (java && name.equals("module-info")) {
            return "is a module descriptor; the project compiles on the class path, without one";
        }
        if (java && !name.equals("package-info") && !SourceVersion.isIdentifier(name)) {
            return "is not named after a class: '" + name + "' is not a Java name";
        }
        return null;
    }

    private boolean writeResources(Path classes, Path testClasses, List<Problem> problems) {
        boolean written = true;
        for (Resource resource : resources) {
            boolean main = resource.path().startsWith(MAIN_RESOURCES);
            Path dir = main ? classes : testClasses;
            Path target = dir.resolve(resource.path().substring(
                    (main ? MAIN_RESOURCES : TEST_RESOURCES).length()));
            String text = resource.lines().isEmpty() ? ""
                    : String.join("\n", resource.lines()) + "\n";
            try {
                Files.createDirectories(target.getParent());
                Files.writeString(target, text);
            } catch (IOException e) {
                problems.add(Problem.at(document, resource.markerLine(), FILE + " '"
                        + resource.path() + "' cannot be laid out: " + e, null, 0));
                written = false;
            }
        }
        return written;
    }

    // ---------------------------------------------------------------- compiling

    /** The compiler, the file manager it shares with the checker, and the base options. */
    private record Javac(JavaCompiler compiler, StandardJavaFileManager files,
            List<String> options) {
    }

    /**
     * Compiles the sources under one root into a directory.
     *
     * @return the binary names of the top-level types they declare, or null if they fail
     */
    private List<String> compile(Javac javac, String root, Path output, List<Path> classPath,
            List<Problem> problems) throws IOException {
        List<ProjectSource> units = sources.stream().filter(block -> block.file.startsWith(root))
                .map(block -> new ProjectSource(document, block, root)).toList();
        if (units.isEmpty()) {
            return List.of();
        }
        List<String> options = JavaBlockChecker.withClassPath(javac.options(), classPath);
        options.add("-d");
        options.add(output.toString());
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) javac.compiler().getTask(null, javac.files(), diagnostics,
                options, null, units);
        Iterable<? extends CompilationUnitTree> trees = task.parse();
        if (reportErrors(diagnostics, problems)) {
            return null;
        }
        Map<URI, ProjectSource> byUri = new HashMap<>();
        units.forEach(unit -> byUri.put(unit.toUri(), unit));
        List<String> types = new ArrayList<>();
        boolean matching = true;
        for (CompilationUnitTree tree : trees) {
            ProjectSource source = byUri.get(tree.getSourceFile().toUri());
            matching &= matchesPath(task, tree, source, types, problems);
        }
        if (!matching) {
            return null;
        }
        task.generate();
        return reportErrors(diagnostics, problems) ? null : types;
    }

    /** Whether a source's package and types are those its path names; collects its types. */
    private boolean matchesPath(JavacTask task, CompilationUnitTree tree, ProjectSource source,
            List<String> types, List<Problem> problems) {
        Block block = source.block;
        String declared = tree.getPackageName() == null ? "" : tree.getPackageName().toString();
        boolean matching = true;
        if (!declared.equals(source.packageName)) {
            int line = block.fileLine;
            if (tree.getPackage() != null) {
                long start = Trees.instance(task).getSourcePositions()
                        .getStartPosition(tree, tree.getPackage());
                line = block.lineOf((int) tree.getLineMap().getLineNumber(start) - 1);
            }
            problems.add(block.problem(line, JAVA_FILE + " '" + block.file + "' needs "
                    + packageClause(source.packageName) + " to match its path; the block has "
                    + packageClause(declared), null, 0));
            matching = false;
        }
        List<String> names = tree.getTypeDecls().stream().filter(ClassTree.class::isInstance)
                .map(type -> ((ClassTree) type).getSimpleName().toString()).toList();
        if (!source.simpleName.equals("package-info") && !names.contains(source.simpleName)) {
            problems.add(block.problem(block.fileLine, JAVA_FILE + " '" + block.file + "' must"
                    + " declare a top-level type named " + source.simpleName + ", as its file"
                    + " name says; the block declares " + (names.isEmpty() ? "none"
                    : String.join(", ", names)), null, 0));
            matching = false;
        }
        for (String name : names) {
            String type = declared.isEmpty() ? name : declared + "." + name;
            types.add(type);
            blocksByType.putIfAbsent(type, block);
        }
        return matching;
    }

    private static String packageClause(String name) {
        return name.isEmpty() ? "no package declaration" : "'package " + name + ";'";
    }

    /** Reports the compiler's errors at their Markdown lines; whether there were any. */
    private boolean reportErrors(DiagnosticCollector<JavaFileObject> diagnostics,
            List<Problem> problems) {
        boolean any = false;
        Map<List<Object>, List<Diagnostic<? extends JavaFileObject>>> same =
                new LinkedHashMap<>();
        for (Diagnostic<? extends JavaFileObject> error : diagnostics.getDiagnostics()) {
            if (error.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            any = true;
            String message = JavaBlockChecker.message(error);
            if (error.getSource() instanceof ProjectSource source) {
                same.computeIfAbsent(List.of(source, message), key -> new ArrayList<>())
                        .add(error);
            } else {
                int line = sources.stream().mapToInt(block -> block.fileLine).min().orElse(0);
                problems.add(Problem.at(document, line, "the compiler, on this project: "
                        + message, null, 0));
            }
        }
        same.forEach((key, errors) -> problems.add(describe((ProjectSource) key.get(0),
                (String) key.get(1), errors)));
        return any;
    }

    private static Problem describe(ProjectSource source, String message,
            List<Diagnostic<? extends JavaFileObject>> errors) {
        Block block = source.block;
        List<String> others = errors.stream().skip(1)
                .map(error -> String.valueOf(markdownLine(block, error.getLineNumber())))
                .distinct().toList();
        String text = message + (others.isEmpty() ? ""
                : "; the same at line(s) " + String.join(", ", others));
        long line = errors.get(0).getLineNumber();
        String code = line >= 1 && line <= block.lines.size()
                ? block.lines.get((int) line - 1) : null;
        return block.problem(markdownLine(block, line), text, code,
                (int) errors.get(0).getColumnNumber());
    }

    private static int markdownLine(Block block, long line) {
        return line >= 1 && line <= block.lines.size() ? block.lineOf((int) line - 1)
                : block.fenceLine;
    }

    /** A {@code java-file} block as the source file its path names. */
    private static final class ProjectSource extends SimpleJavaFileObject {

        final Block block;
        final String packageName;
        final String simpleName;

        ProjectSource(String document, Block block, String root) {
            super(uri(document, block.file), Kind.SOURCE);
            this.block = block;
            String relative = block.file.substring(root.length(),
                    block.file.length() - ".java".length());
            int slash = relative.lastIndexOf('/');
            this.packageName = slash < 0 ? "" : relative.substring(0, slash).replace('/', '.');
            this.simpleName = relative.substring(slash + 1);
        }

        private static URI uri(String document, String path) {
            try {
                return new URI("string", null, "/" + document + "/" + path, null);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("no URI for " + document + " " + path, e);
            }
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return String.join("\n", block.lines) + "\n";
        }
    }

    // ---------------------------------------------------------------- running the tests

    private int runTests(List<String> testTypes, Path testClasses, Path classes,
            List<Problem> problems) throws IOException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        URL[] urls = {testClasses.toUri().toURL(), classes.toUri().toURL()};
        try (ProjectClassLoader loader = new ProjectClassLoader(urls,
                DocsProject.class.getClassLoader())) {
            thread.setContextClassLoader(loader);
            List<DiscoverySelector> selectors = new ArrayList<>();
            for (String type : testTypes) {
                selectors.add(DiscoverySelectors.selectClass(loader.loadClass(type)));
            }
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectors)
                    .filters(EngineFilter.includeEngines("junit-jupiter"))
                    .configurationParameter("junit.jupiter.execution.timeout.default",
                            TEST_TIMEOUT)
                    // On its own thread, a test that ignores interrupts still fails on time.
                    .configurationParameter(
                            "junit.jupiter.execution.timeout.thread.mode.default",
                            "SEPARATE_THREAD")
                    .build();
            Outcome outcome = new Outcome();
            LauncherFactory.create(LAUNCHER).execute(request, outcome);
            problems.addAll(outcome.failures);
            if (outcome.tests == 0 && outcome.failures.isEmpty()) {
                Block first = blocksByType.get(testTypes.get(0));
                problems.add(first.problem(first.fileLine, "the project's classes under "
                        + TEST_JAVA + " hold no test that ran on JUnit Jupiter: "
                        + String.join(", ", testTypes), null, 0));
            }
            return outcome.tests;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a class the compiler wrote is missing", e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Counts the tests that ran and describes those that failed. */
    private final class Outcome implements TestExecutionListener {

        private TestPlan plan;
        private int tests;
        private final List<Problem> failures = new ArrayList<>();

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            this.plan = testPlan;
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                tests++;
            }
            // A guide's test that was aborted (an assumption failed) proved nothing.
            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                failures.add(failure(id, result.getThrowable().orElse(null)));
            }
        }

        private Problem failure(TestIdentifier id, Throwable thrown) {
            StringBuilder text = new StringBuilder("test '").append(name(id))
                    .append("' failed: ");
            if (thrown == null) {
                text.append("(no exception)");
                return Problem.at(document, lineOf(id, null), text.toString(), null, 0);
            }
            List<String> message = String.valueOf(thrown).lines().toList();
            text.append(message.isEmpty() ? "" : message.get(0));
            message.stream().skip(1).limit(MESSAGE_LINES)
                    .forEach(line -> text.append("\n    ").append(line));
            if (message.size() > MESSAGE_LINES + 1) {
                text.append("\n    (").append(message.size() - MESSAGE_LINES - 1)
                        .append(" more lines)");
            }
            StackTraceElement[] frames = thrown.getStackTrace();
            int shown = Math.min(STACK_FRAMES, frames.length);
            boolean inProject = false;
            for (int i = 0; i < shown; i++) {
                inProject |= appendFrame(text, frames[i]);
            }
            for (int i = shown; i < frames.length && !inProject; i++) {
                if (markdownLine(frames[i]) > 0) {
                    if (i > shown) {
                        text.append("\n    ... ").append(i - shown).append(" more, then");
                    }
                    appendFrame(text, frames[i]);
                    inProject = true;
                    shown = i + 1;
                }
            }
            if (frames.length > shown) {
                text.append("\n    ... ").append(frames.length - shown).append(" more");
            }
            for (Throwable cause = thrown.getCause(); cause != null && cause != thrown;
                    cause = cause.getCause() == cause ? null : cause.getCause()) {
                text.append("\n    caused by: ")
                        .append(String.valueOf(cause).lines().findFirst().orElse(""));
            }
            return Problem.at(document, lineOf(id, thrown), text.toString(), null, 0);
        }

        /** Appends a stack frame, with its Markdown line if it has one; whether it has. */
        private boolean appendFrame(StringBuilder text, StackTraceElement frame) {
            text.append("\n    at ").append(frame);
            int line = markdownLine(frame);
            if (line > 0) {
                text.append(" [").append(document).append(':').append(line).append(']');
            }
            return line > 0;
        }

        /** The test's display name under those of its classes, such as {@code T > m()}. */
        private String name(TestIdentifier id) {
            List<String> names = new ArrayList<>();
            for (TestIdentifier at = id; at != null && at.getParentId().isPresent();
                    at = plan.getParent(at).orElse(null)) {
                names.add(0, at.getDisplayName());
            }
            return names.isEmpty() ? id.getDisplayName() : String.join(" > ", names);
        }

        /** The Markdown line of the failure's first frame in the project, else its class's. */
        private int lineOf(TestIdentifier id, Throwable thrown) {
            if (thrown != null) {
                for (StackTraceElement frame : thrown.getStackTrace()) {
                    int line = markdownLine(frame);
                    if (line > 0) {
                        return line;
                    }
                }
            }
            TestSource source = id.getSource().orElse(null);
            String type = source instanceof MethodSource method ? method.getClassName()
                    : source instanceof ClassSource owner ? owner.getClassName() : null;
            Block block = type == null ? null : blocksByType.get(topLevel(type));
            if (block == null) {
                block = blocksByType.values().stream()
                        .min(Comparator.comparingInt(candidate -> candidate.fenceLine))
                        .orElseThrow();
            }
            return block.fenceLine;
        }
    }

    /** The Markdown line of a stack frame in one of the project's classes, else 0. */
    private int markdownLine(StackTraceElement frame) {
        Block block = LOADER_NAME.equals(frame.getClassLoaderName())
                ? blocksByType.get(topLevel(frame.getClassName())) : null;
        int line = frame.getLineNumber();
        return block == null || line < 1 || line > block.lines.size() ? 0
                : block.lineOf(line - 1);
    }

    private static String topLevel(String binaryName) {
        int dollar = binaryName.indexOf('$');
        return dollar < 0 ? binaryName : binaryName.substring(0, dollar);
    }

    /**
     * Looks in the project's own directories first, for classes and resources alike, so that
     * its classes and its {@code META-INF/services} files win over any of the same name. The
     * registrations of the library's own extension points come from the project alone.
     */
    private static final class ProjectClassLoader extends URLClassLoader {

        /**
         * The registrations this loader takes from the project only. The class path the check
         * runs on holds every module of the library and the examples, each registering its
         * services; a reader's project has only the modules its build names, so a guide's test
         * that lets the engine find services would otherwise start all of them.
         */
        // Limitation: a guide whose test relies on finding a module's service (such as Slack's)
        // through ServiceLoader fails here; it registers that service by hand instead.
        private static final String OWN_REGISTRATIONS = "META-INF/services/dev.recipes.";

        static {
            registerAsParallelCapable();
        }

        ProjectClassLoader(URL[] urls, ClassLoader parent) {
            super(LOADER_NAME, urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve)
                throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null && findResource(name.replace('.', '/') + ".class") != null) {
                    loaded = findClass(name);
                }
                if (loaded == null) {
                    return super.loadClass(name, resolve);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }

        @Override
        public URL getResource(String name) {
            URL own = findResource(name);
            return own != null || name.startsWith(OWN_REGISTRATIONS) ? own
                    : getParent().getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            List<URL> urls = Collections.list(findResources(name));
            if (!name.startsWith(OWN_REGISTRATIONS)) {
                urls.addAll(Collections.list(getParent().getResources(name)));
            }
            return Collections.enumeration(urls);
        }
    }

    private static void deleteTree(Path root) {
        if (root == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // Left in the temporary directory, where nothing else looks.
        }
    }
}
