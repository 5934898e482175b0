package dev.recipes.examples.docs;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * Finds the {@code ```java} blocks of Markdown documents and compiles each one against a class
 * path, in process, so that code in the docs keeps up with the API.
 *
 * <p>Each block compiles as the first of these that parses: a compilation unit (it declares a
 * type), statements (the body of a method that throws {@code Exception}), or class-body
 * members. Every block gets a standard set of imports: the project's public packages found on
 * the class path (none named {@code internal}), common JDK packages, Jackson, JUnit 5, SLF4J and
 * the static methods of AssertJ's {@code Assertions}. A name that two of those packages declare
 * is imported from {@code java.lang} if it is there, else from the first of them in that order,
 * unless the block imports or declares it itself. Import lines at the top of a block stay
 * imports in every mode.
 *
 * <p>An HTML comment on the line right above a block tunes it:
 * {@code <!-- java-context: RecipeEngine engine; Recipe salesLog(); -->} declares the variables
 * and methods a block uses without declaring them (as static members of the wrapping class, or
 * of a class a compilation unit imports statically), and
 * {@code <!-- java-no-compile: reason -->} marks a block that must not compile (it then fails the
 * check if it does compile). Each failure reads
 * {@code file:line: message}, followed by the offending line.
 *
 * <p>{@code <!-- java-file: src/main/java/com/example/Foo.java -->} above a {@code ```java} block
 * and {@code <!-- file: src/main/resources/... -->} above any other fenced block name files a
 * reader creates: those of one document form a {@link DocsProject}, compiled as written and
 * whose tests run (see there). Such blocks get no imports, wrapping or context.
 */
final class JavaBlockChecker {

    /** The marker kinds this checker knows, as they appear after {@code <!--}. */
    static final String CONTEXT = "java-context";
    static final String NO_COMPILE = "java-no-compile";
    static final String JAVA_FILE = "java-file";
    static final String FILE = "file";

    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*(.*)$");
    private static final Pattern MARKER_START =
            Pattern.compile("^\\s*<!--\\s*(?:java-|file\\b).*");
    private static final Pattern MARKER =
            Pattern.compile("^\\s*<!--\\s*(java-[\\w-]*|file)\\s*(:?)(.*?)-->\\s*$");
    private static final Pattern DECLARATION = Pattern.compile(
            "^([A-Za-z_$][\\w$]*(?:\\s*\\.\\s*[A-Za-z_$][\\w$]*)*(?:\\s*<.*>)?(?:\\s*\\[\\s*])*)"
                    + "\\s+([A-Za-z_$][\\w$]*)(\\s*\\((.*)\\))?$");
    private static final Pattern IMPORT =
            Pattern.compile("^\\s*import\\s+(static\\s+)?([\\w$.]+?)(\\.\\*)?\\s*;\\s*(//.*)?$");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+[\\w$.]+\\s*;.*$");
    private static final Pattern DECLARED_TYPE =
            Pattern.compile("\\b(?:class|interface|enum|record)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern WRAPPER_LOCATION =
            Pattern.compile("location: class docs\\.block\\d+\\.Block");
    private static final Pattern GENERATED_PACKAGE = Pattern.compile("\\bdocs\\.block\\d+\\.");
    private static final Pattern MISSING_VARIABLE =
            Pattern.compile("symbol:\\s+(variable|method)\\s+([A-Za-z_$][\\w$]*)(\\(\\))?");

    /** Packages every block imports, in the order that settles a name two of them declare. */
    private static final List<String> JDK_AND_LIBRARY_PACKAGES = List.of(
            "java.util", "java.util.concurrent", "java.util.concurrent.atomic",
            "java.util.function", "java.util.stream", "java.time", "java.io", "java.net",
            "java.net.http", "java.nio", "java.nio.charset", "java.nio.file", "java.security",
            "com.fasterxml.jackson.databind", "com.fasterxml.jackson.databind.node",
            "com.fasterxml.jackson.core", "org.junit.jupiter.api", "org.slf4j");
    private static final List<String> STATIC_IMPORTS =
            List.of("org.assertj.core.api.Assertions");
    private static final String PROJECT_ROOT_PACKAGE = "dev.recipes";
    /** Holds the context of a compilation-unit block, statically imported by it. */
    private static final String CONTEXT_CLASS = "DocsContext";
    private static final Set<String> NOT_API_PACKAGES =
            Set.of("dev.recipes.examples", "dev.recipes.benchmarks");

    private final JavaCompiler compiler;
    // One file manager for every task: it keeps the class path's jars open and indexed, which
    // makes each check after the first fast. It lives as long as the checker.
    private final StandardJavaFileManager files;
    private final List<Path> classPath;
    private final List<String> baseOptions;
    private final List<String> options;
    private final Header header;

    private JavaBlockChecker(List<Path> classPath) {
        this.compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no Java compiler in this runtime ("
                    + System.getProperty("java.home") + "): the docs check needs a JDK");
        }
        this.files = compiler.getStandardFileManager(null, Locale.ROOT, null);
        this.classPath = List.copyOf(classPath);
        this.baseOptions = List.of("--release", "17", "-proc:none", "-implicit:none",
                "-Xmaxerrs", "100000", "-Xlint:none", "-nowarn",
                "-XDshould-stop.ifError=FLOW");
        this.options = withClassPath(baseOptions, classPath);
        this.header = standardHeader();
    }

    /** The given compiler options followed by a {@code -classpath} option for the entries. */
    static List<String> withClassPath(List<String> options, List<Path> entries) {
        List<String> result = new ArrayList<>(options);
        result.add("-classpath");
        result.add(entries.stream().map(Path::toString)
                .collect(Collectors.joining(java.io.File.pathSeparator)));
        return result;
    }

    /** A checker that compiles against the class path this JVM runs the tests with. */
    static JavaBlockChecker onTestClassPath() {
        return new JavaBlockChecker(testClassPath());
    }

    /**
     * What a check found: how many blocks it compiled, how many tests of the documents'
     * projects ran, and what failed by file and line.
     */
    record Report(int blocks, int tests, List<String> failures) {

        Report {
            failures = List.copyOf(failures);
        }

        /** All failures, one paragraph each, under a line that counts them. */
        String describe() {
            return failures.size() + " problem(s) in the " + blocks + " ```java blocks of the"
                    + " docs and the " + tests + " test(s) their projects ran (the block"
                    + " markers are described in docs/README.md):\n\n"
                    + String.join("\n\n", failures);
        }
    }

    /**
     * Checks the {@code ```java} blocks of the given documents.
     *
     * @param documents Markdown text by the name failures show for it, such as
     *     {@code docs/engine.md}; checked in the map's order
     */
    synchronized Report check(Map<String, String> documents) {
        List<Problem> problems = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        List<DocsProject> projects = new ArrayList<>();
        documents.forEach((name, text) -> {
            DocsProject project = new DocsProject(name);
            blocks.addAll(extract(name, text, blocks.size(), project, problems));
            if (!project.isEmpty()) {
                projects.add(project);
            }
        });
        for (Block block : blocks) {
            block.checkImports(problems);
        }
        compile(blocks.stream().filter(block -> block.file == null).toList(), problems);
        int tests = 0;
        for (DocsProject project : projects) {
            tests += project.check(compiler, files, baseOptions, classPath, problems);
        }
        problems.sort(Comparator.comparing(Problem::order));
        return new Report(blocks.size(), tests, problems.stream().map(Problem::text).toList());
    }

    // ---------------------------------------------------------------- reading Markdown

    /**
     * The {@code ```java} blocks of one document, with their markers; blocks and resources
     * marked as files of the document's project also go to the project, problems to the list.
     */
    private static List<Block> extract(String document, String text, int firstIndex,
            DocsProject project, List<Problem> problems) {
        List<String> lines = text.lines().toList();
        List<Block> blocks = new ArrayList<>();
        List<Marker> pending = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                int end = closingFence(lines, i, fence.group(2));
                boolean java = fence.group(3).trim().split("\\s+")[0]
                        .equalsIgnoreCase("java");
                if (end < 0) {
                    problems.add(Problem.at(document, i + 1, "the ``` block opened here is"
                            + " not closed", null, 0));
                    end = lines.size();
                }
                List<String> content = unindent(lines.subList(i + 1, end),
                        fence.group(1).length());
                if (java) {
                    Block block = Block.of(document, firstIndex + blocks.size(), i + 1, content,
                            pending, problems);
                    blocks.add(block);
                    if (block.file != null) {
                        project.add(block);
                    }
                } else {
                    resource(document, content, pending, project, problems);
                }
                pending = new ArrayList<>();
                i = end;
            } else if (MARKER_START.matcher(line).matches()) {
                Marker marker = Marker.parse(document, i + 1, line, problems);
                if (marker != null) {
                    pending.add(marker);
                }
            } else {
                orphans(document, pending, problems);
                pending = new ArrayList<>();
            }
        }
        orphans(document, pending, problems);
        return blocks;
    }

    private static int closingFence(List<String> lines, int open, String fence) {
        String closing = fence.substring(0, 1).repeat(fence.length());
        for (int j = open + 1; j < lines.size(); j++) {
            String trimmed = lines.get(j).trim();
            if (trimmed.startsWith(closing)
                    && trimmed.chars().allMatch(c -> c == fence.charAt(0))) {
                return j;
            }
        }
        return -1;
    }

    private static List<String> unindent(List<String> lines, int indent) {
        List<String> result = new ArrayList<>();
        for (String line : lines) {
            int strip = 0;
            while (strip < indent && strip < line.length() && line.charAt(strip) == ' ') {
                strip++;
            }
            result.add(line.substring(strip));
        }
        return result;
    }

    /** A non-Java fenced block: a resource of the project if a file marker names it. */
    private static void resource(String document, List<String> content,
            List<Marker> pending, DocsProject project, List<Problem> problems) {
        List<Marker> others = new ArrayList<>();
        Marker file = null;
        for (Marker marker : pending) {
            if (!marker.kind().equals(FILE)) {
                others.add(marker);
            } else if (file == null) {
                file = marker;
            } else {
                problems.add(Problem.at(document, marker.line(), "a second " + FILE
                        + " marker on one block", null, 0));
            }
        }
        orphans(document, others, problems);
        if (file != null) {
            project.add(new DocsProject.Resource(file.line(), file.value(), content));
        }
    }

    private static void orphans(String document, List<Marker> pending, List<Problem> problems) {
        for (Marker marker : pending) {
            String message = switch (marker.kind()) {
                case FILE -> "the marker '" + FILE + "' must be on the line right above the"
                        + " fenced block that holds the file (other markers may sit between)";
                case JAVA_FILE -> "the marker '" + JAVA_FILE + "' must be on the line right"
                        + " above a ```java block (other markers may sit between); a file that"
                        + " is not Java source takes <!-- " + FILE + ": path -->";
                default -> "the marker '" + marker.kind() + "' must be on the line right above"
                        + " a ```java block (other markers may sit between)";
            };
            problems.add(Problem.at(document, marker.line(), message, null, 0));
        }
    }

    /** One {@code <!-- java-... -->} or {@code <!-- file: ... -->} comment. */
    private record Marker(int line, String kind, String value) {

        static Marker parse(String document, int line, String text, List<Problem> problems) {
            Matcher matcher = MARKER.matcher(text);
            if (!matcher.matches()) {
                problems.add(Problem.at(document, line, "malformed marker: write it on one"
                        + " line as <!-- java-context: Type name; -->, <!-- java-no-compile:"
                        + " reason -->, <!-- java-file: path --> or <!-- file: path -->",
                        text.trim(), 0));
                return null;
            }
            String kind = matcher.group(1);
            String value = matcher.group(3).trim();
            if (!List.of(CONTEXT, NO_COMPILE, JAVA_FILE, FILE).contains(kind)) {
                problems.add(Problem.at(document, line, "unknown marker '" + kind
                        + "'; the markers are " + CONTEXT + ", " + NO_COMPILE + ", " + JAVA_FILE
                        + " and " + FILE, text.trim(), 0));
                return null;
            }
            if (matcher.group(2).isEmpty() || value.isEmpty()) {
                String needs = switch (kind) {
                    case CONTEXT -> "declarations such as 'RecipeEngine engine;'";
                    case NO_COMPILE -> "the reason the block must not compile";
                    case JAVA_FILE -> "the file's path, such as"
                            + " src/main/java/com/example/tickets/TicketsService.java";
                    default -> "the file's path, such as"
                            + " src/main/resources/META-INF/services/dev.recipes.core.spi.Service";
                };
                problems.add(Problem.at(document, line, "marker '" + kind + "' needs a colon"
                        + " and " + needs, text.trim(), 0));
                return null;
            }
            return new Marker(line, kind, value);
        }
    }

    // ---------------------------------------------------------------- one block

    /** How a block is wrapped to compile. */
    enum Mode {
        COMPILATION_UNIT("a compilation unit"),
        STATEMENTS("statements"),
        MEMBERS("class-body members");

        private final String description;

        Mode(String description) {
            this.description = description;
        }
    }

    /** One {@code ```java} block: where it is, its lines, and what its markers say. */
    static final class Block {

        final String document;
        final int index;
        final int fenceLine;
        final List<String> lines;
        final Map<String, String> context = new LinkedHashMap<>();
        int contextLine;
        String noCompileReason;
        /** The project path its {@code java-file} marker gives, or null. */
        String file;
        int fileLine;
        final Set<Integer> importLines = new HashSet<>();
        final Set<String> ownNames = new HashSet<>();

        private Block(String document, int index, int fenceLine, List<String> lines) {
            this.document = document;
            this.index = index;
            this.fenceLine = fenceLine;
            this.lines = lines;
        }

        static Block of(String document, int index, int fenceLine, List<String> lines,
                List<Marker> markers, List<Problem> problems) {
            Block block = new Block(document, index, fenceLine, lines);
            for (Marker marker : markers) {
                block.apply(marker, problems);
            }
            if (block.noCompileReason != null && !block.context.isEmpty()) {
                problems.add(block.problem(block.contextLine, "a block marked " + NO_COMPILE
                        + " takes no " + CONTEXT, null, 0));
            }
            if (block.file != null && block.noCompileReason != null) {
                problems.add(block.problem(block.fileLine, "a " + JAVA_FILE + " block compiles"
                        + " with its project and takes no " + NO_COMPILE, null, 0));
                block.file = null;
            }
            if (block.file != null && !block.context.isEmpty()) {
                problems.add(block.problem(block.fileLine, "a " + JAVA_FILE + " block is a"
                        + " complete source file and takes no " + CONTEXT + "; let it declare"
                        + " or import what it uses", null, 0));
                block.file = null;
            }
            if (lines.stream().allMatch(String::isBlank)) {
                problems.add(block.problem(fenceLine, "empty ```java block", null, 0));
            }
            block.readHead();
            return block;
        }

        private void apply(Marker marker, List<Problem> problems) {
            if (marker.kind().equals(FILE)) {
                problems.add(problem(marker.line(), "the marker '" + FILE + "' names a file"
                        + " that is not Java source, above a ```text (or similar) block; a"
                        + " ```java block takes <!-- " + JAVA_FILE + ": path -->", null, 0));
                return;
            }
            if (marker.kind().equals(JAVA_FILE)) {
                if (file != null) {
                    problems.add(problem(marker.line(), "a second " + JAVA_FILE + " marker on"
                            + " one block", null, 0));
                    return;
                }
                file = marker.value();
                fileLine = marker.line();
                return;
            }
            if (marker.kind().equals(NO_COMPILE)) {
                if (noCompileReason != null) {
                    problems.add(problem(marker.line(), "a second " + NO_COMPILE + " marker",
                            null, 0));
                }
                noCompileReason = marker.value();
                return;
            }
            if (contextLine != 0) {
                problems.add(problem(marker.line(), "a second " + CONTEXT + " marker; put"
                        + " every declaration in one", null, 0));
            }
            contextLine = marker.line();
            for (String part : marker.value().split(";")) {
                String declaration = part.trim().replaceAll("\\s+", " ");
                if (declaration.isEmpty()) {
                    continue;
                }
                Matcher matcher = DECLARATION.matcher(declaration);
                if (!matcher.matches()) {
                    problems.add(problem(marker.line(), CONTEXT + ": '" + declaration
                            + "' is not a declaration 'Type name' or 'Type name(parameters)'",
                            null, 0));
                    continue;
                }
                boolean method = matcher.group(3) != null;
                String key = matcher.group(2) + (method ? "()" : "");
                String member = "static " + matcher.group(1) + " " + matcher.group(2)
                        + (method ? "(" + matcher.group(4) + ") { throw new"
                                + " UnsupportedOperationException(); }" : ";");
                if (context.put(key, member) != null) {
                    problems.add(problem(marker.line(), CONTEXT + ": '" + key
                            + "' is declared twice", null, 0));
                }
            }
        }

        /** Collects the block's leading package and import lines, and the names it declares. */
        private void readHead() {
            boolean head = true;
            boolean comment = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (head && comment) {
                    comment = !line.contains("*/");
                    continue;
                }
                if (!head || line.isEmpty() || line.startsWith("//")) {
                    continue;
                }
                if (line.startsWith("/*")) {
                    comment = !line.contains("*/");
                    continue;
                }
                Matcher matcher = IMPORT.matcher(lines.get(i));
                if (matcher.matches()) {
                    importLines.add(i);
                    if (matcher.group(1) == null && matcher.group(3) == null) {
                        String name = matcher.group(2);
                        ownNames.add(name.substring(name.lastIndexOf('.') + 1));
                    }
                } else if (PACKAGE.matcher(lines.get(i)).matches()) {
                    importLines.add(i);
                } else {
                    head = false;
                }
            }
            Matcher declared = DECLARED_TYPE.matcher(String.join("\n", lines));
            while (declared.find()) {
                ownNames.add(declared.group(1));
            }
        }

        void checkImports(List<Problem> problems) {
            for (int i : importLines) {
                Matcher matcher = IMPORT.matcher(lines.get(i));
                if (matcher.matches() && isInternal(matcher.group(2))) {
                    problems.add(problem(fenceLine + 1 + i, "imports from an internal"
                            + " package; the docs show public API only", lines.get(i), 0));
                }
            }
        }

        /** The Markdown line of the block's i-th line (from 0). */
        int lineOf(int i) {
            return fenceLine + 1 + i;
        }

        Problem problem(int line, String message, String source, int column) {
            return Problem.at(document, line, message, source, column);
        }
    }

    /** One failure, ordered by document and line. */
    record Problem(String order, String text) {

        static Problem at(String document, int line, String message, String source,
                int column) {
            StringBuilder text = new StringBuilder(document).append(':').append(line)
                    .append(": ").append(message);
            if (source != null) {
                text.append("\n    ").append(source);
                if (column > 0) {
                    text.append("\n    ").append(" ".repeat(column - 1)).append('^');
                }
            }
            return new Problem(document + "\u0000" + String.format("%09d", line), text.toString());
        }
    }

    // ---------------------------------------------------------------- generating sources

    /** A block wrapped one way, with the Markdown line of each generated line. */
    private static final class Source extends SimpleJavaFileObject {

        final Block block;
        final Mode mode;
        final String text;
        final int[] markdownLines;
        final String[] generatedLines;

        Source(Block block, Mode mode, List<String> text, List<Integer> markdownLines) {
            super(URI.create("string:///docs/" + block.document.replaceAll("[^\\w/.-]", "_")
                    + "/block" + block.index + "/" + mode + "/Block.java"), Kind.SOURCE);
            this.block = block;
            this.mode = mode;
            this.text = String.join("\n", text) + "\n";
            this.markdownLines = markdownLines.stream().mapToInt(Integer::intValue).toArray();
            this.generatedLines = text.toArray(String[]::new);
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }

        @Override
        public boolean isNameCompatible(String simpleName, Kind kind) {
            return kind == Kind.SOURCE; // a public class of any name may sit in a block
        }

        int markdownLine(long generatedLine) {
            int i = (int) generatedLine - 1;
            return i >= 0 && i < markdownLines.length ? markdownLines[i] : block.fenceLine;
        }

        String line(long generatedLine) {
            int i = (int) generatedLine - 1;
            return i >= 0 && i < generatedLines.length ? generatedLines[i] : null;
        }
    }

    private Source wrap(Block block, Mode mode) {
        List<String> text = new ArrayList<>();
        List<Integer> origin = new ArrayList<>();
        int fence = block.fenceLine;
        add(text, origin, "package docs.block" + block.index + ";", fence);
        for (String line : header.imports(block.ownNames)) {
            add(text, origin, line, fence);
        }
        if (mode == Mode.COMPILATION_UNIT && !block.context.isEmpty()) {
            add(text, origin, "import static docs.block" + block.index + "." + CONTEXT_CLASS
                    + ".*;", block.contextLine);
        }
        for (int i = 0; i < block.lines.size(); i++) {
            if (block.importLines.contains(i)) {
                Matcher matcher = PACKAGE.matcher(block.lines.get(i));
                add(text, origin, matcher.matches() ? "" : block.lines.get(i), block.lineOf(i));
            }
        }
        if (mode != Mode.COMPILATION_UNIT) {
            add(text, origin, "@SuppressWarnings(\"all\") abstract class Block {", fence);
            block.context.values().forEach(member -> add(text, origin, member,
                    block.contextLine));
        }
        if (mode == Mode.STATEMENTS) {
            add(text, origin, "void run() throws Exception {", fence);
        }
        for (int i = 0; i < block.lines.size(); i++) {
            String line = block.importLines.contains(i) ? "" : block.lines.get(i);
            add(text, origin, line, block.lineOf(i));
        }
        if (mode == Mode.STATEMENTS) {
            add(text, origin, "}", block.lineOf(block.lines.size()));
        }
        if (mode != Mode.COMPILATION_UNIT) {
            add(text, origin, "}", block.lineOf(block.lines.size()));
        } else if (!block.context.isEmpty()) {
            add(text, origin, "@SuppressWarnings(\"all\") final class " + CONTEXT_CLASS + " {",
                    block.contextLine);
            block.context.values().forEach(member -> add(text, origin, member,
                    block.contextLine));
            add(text, origin, "}", block.contextLine);
        }
        return new Source(block, mode, text, origin);
    }

    private static void add(List<String> text, List<Integer> origin, String line, int from) {
        text.add(line);
        origin.add(from);
    }

    // ---------------------------------------------------------------- compiling

    private void compile(List<Block> blocks, List<Problem> problems) {
        if (blocks.isEmpty()) {
            return;
        }
        try {
            List<Source> chosen = chooseModes(blocks, problems);
            if (chosen.isEmpty()) {
                return;
            }
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            JavacTask task = (JavacTask) compiler.getTask(null, files, diagnostics, options,
                    null, chosen);
            task.analyze();
            report(chosen, diagnostics.getDiagnostics(), problems);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses every block in every mode in one task and keeps, for each, the first mode that
     * parses cleanly; a block that parses in no mode is reported with the errors of the mode
     * that read furthest into it.
     */
    private List<Source> chooseModes(List<Block> blocks, List<Problem> problems)
            throws IOException {
        List<Source> candidates = new ArrayList<>();
        for (Block block : blocks) {
            for (Mode mode : Mode.values()) {
                candidates.add(wrap(block, mode));
            }
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) compiler.getTask(null, files, diagnostics, options, null,
                candidates);
        Map<URI, Boolean> declaresType = new HashMap<>();
        for (CompilationUnitTree unit : task.parse()) {
            declaresType.put(unit.getSourceFile().toUri(), unit.getTypeDecls().stream()
                    .anyMatch(tree -> tree instanceof ClassTree));
        }
        Map<Source, List<Diagnostic<? extends JavaFileObject>>> errors = errorsBySource(
                diagnostics.getDiagnostics());

        List<Source> chosen = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            List<Source> readings = candidates.subList(3 * i, 3 * i + 3);
            Source clean = readings.stream()
                    .filter(source -> errors.getOrDefault(source, List.of()).isEmpty())
                    .filter(source -> source.mode != Mode.COMPILATION_UNIT
                            || declaresType.getOrDefault(source.toUri(), false))
                    .findFirst().orElse(null);
            if (clean != null) {
                chosen.add(clean);
            } else {
                Source furthest = readings.stream().max(Comparator.comparingLong(
                        source -> firstErrorPlace(source, errors.get(source)))).orElseThrow();
                if (furthest.block.noCompileReason == null) {
                    report(List.of(furthest), errors.getOrDefault(furthest, List.of()),
                            problems);
                }
            }
        }
        return chosen;
    }

    /** Where in the Markdown a reading's first error is, comparable across readings. */
    private static long firstErrorPlace(Source source,
            List<Diagnostic<? extends JavaFileObject>> errors) {
        if (errors == null || errors.isEmpty()) {
            return -1;
        }
        Diagnostic<? extends JavaFileObject> first = errors.get(0);
        return source.markdownLine(first.getLineNumber()) * 100_000L + first.getColumnNumber();
    }

    private static Map<Source, List<Diagnostic<? extends JavaFileObject>>> errorsBySource(
            List<Diagnostic<? extends JavaFileObject>> diagnostics) {
        Map<Source, List<Diagnostic<? extends JavaFileObject>>> errors = new HashMap<>();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics) {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR
                    && diagnostic.getSource() instanceof Source source) {
                errors.computeIfAbsent(source, s -> new ArrayList<>()).add(diagnostic);
            }
        }
        return errors;
    }

    private static void report(List<Source> sources,
            List<Diagnostic<? extends JavaFileObject>> diagnostics, List<Problem> problems) {
        Map<Source, List<Diagnostic<? extends JavaFileObject>>> errors =
                errorsBySource(diagnostics);
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics) {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR
                    && !(diagnostic.getSource() instanceof Source)) {
                problems.add(Problem.at("(compiler)", 0, diagnostic.getMessage(Locale.ROOT),
                        null, 0));
            }
        }
        for (Source source : sources) {
            Block block = source.block;
            List<Diagnostic<? extends JavaFileObject>> found = errors.getOrDefault(source,
                    List.of());
            if (block.noCompileReason != null) {
                if (found.isEmpty()) {
                    problems.add(block.problem(block.fenceLine, "the block is marked "
                            + NO_COMPILE + " but compiles; remove the marker", null, 0));
                }
                continue;
            }
            Map<String, List<Diagnostic<? extends JavaFileObject>>> byMessage =
                    new LinkedHashMap<>();
            for (Diagnostic<? extends JavaFileObject> error : found) {
                byMessage.computeIfAbsent(message(error), m -> new ArrayList<>())
                        .add(error);
            }
            byMessage.forEach((message, same) -> problems.add(describe(source, message, same)));
        }
    }

    /** One problem for the errors of a block that say the same, at the first of them. */
    private static Problem describe(Source source, String message,
            List<Diagnostic<? extends JavaFileObject>> same) {
        String text = message;
        List<String> lines = same.stream().skip(1)
                .map(error -> String.valueOf(source.markdownLine(error.getLineNumber())))
                .distinct().toList();
        if (!lines.isEmpty()) {
            text = text + "; the same at line(s) " + String.join(", ", lines);
        }
        text = text + " (compiled as " + source.mode.description + ")";
        Matcher missing = MISSING_VARIABLE.matcher(message);
        if (missing.find() && !missing.group(2).matches("[A-Z][a-z].*")) {
            String name = missing.group(2) + (missing.group(1).equals("method")
                    ? (missing.group(3) == null ? "(parameters)" : "()") : "");
            text = text + "; if the reader is meant to have '" + name + "' already, declare"
                    + " it above the block: <!-- " + CONTEXT + ": Type " + name + "; -->";
        }
        long line = same.get(0).getLineNumber();
        return source.block.problem(source.markdownLine(line), text, source.line(line),
                (int) same.get(0).getColumnNumber());
    }

    /** The compiler's message on one line, without the names of the generated wrapper. */
    static String message(Diagnostic<? extends JavaFileObject> error) {
        return error.getMessage(Locale.ROOT).lines()
                .map(line -> line.trim().replaceAll("\\s+", " "))
                .filter(line -> !line.isEmpty() && !WRAPPER_LOCATION.matcher(line).matches())
                .map(line -> GENERATED_PACKAGE.matcher(line).replaceAll(""))
                .collect(Collectors.joining("; "));
    }

    // ---------------------------------------------------------------- imports

    /** The imports every block starts with, and the names that need an explicit import. */
    private record Header(List<String> onDemand, Map<String, String> explicit) {

        List<String> imports(Set<String> ownNames) {
            List<String> lines = new ArrayList<>(onDemand);
            explicit.forEach((name, qualified) -> {
                if (!ownNames.contains(name)) {
                    lines.add("import " + qualified + ";");
                }
            });
            return lines;
        }
    }

    private Header standardHeader() {
        try {
            List<String> packages = new ArrayList<>(projectPackages());
            packages.addAll(JDK_AND_LIBRARY_PACKAGES);
            DiagnosticCollector<JavaFileObject> ignored = new DiagnosticCollector<>();
            JavacTask task = (JavacTask) compiler.getTask(null, files, ignored, options, null,
                    null);
            Elements elements = task.getElements();
            List<String> onDemand = new ArrayList<>();
            Map<String, String> explicit = new TreeMap<>();
            Map<String, String> firstOwner = new HashMap<>();
            types(elements, "java.lang").forEach(name -> firstOwner.put(name, "java.lang"));
            for (String name : packages) {
                if (elements.getPackageElement(name) == null) {
                    continue; // not on this class path: tolerated, so modules may come and go
                }
                onDemand.add("import " + name + ".*;");
                for (String type : types(elements, name)) {
                    String owner = firstOwner.putIfAbsent(type, name);
                    if (owner != null) {
                        explicit.putIfAbsent(type, owner + "." + type);
                    }
                }
            }
            for (String type : STATIC_IMPORTS) {
                if (elements.getTypeElement(type) != null) {
                    onDemand.add("import static " + type + ".*;");
                }
            }
            return new Header(onDemand, explicit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> types(Elements elements, String packageName) {
        PackageElement element = elements.getPackageElement(packageName);
        if (element == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (Element type : element.getEnclosedElements()) {
            if (type.getModifiers().contains(Modifier.PUBLIC)) {
                names.add(type.getSimpleName().toString());
            }
        }
        return names;
    }

    /**
     * The project's API packages on the class path: those under {@code dev.recipes} with classes,
     * none named {@code internal}, not the examples or benchmarks; core first, the testkit last,
     * so that a name both declare is the library's.
     */
    private List<String> projectPackages() throws IOException {
        files.setLocation(StandardLocation.CLASS_PATH,
                classPath.stream().map(Path::toFile).toList());
        Set<String> packages = new LinkedHashSet<>();
        for (JavaFileObject file : files.list(StandardLocation.CLASS_PATH, PROJECT_ROOT_PACKAGE,
                EnumSet.of(JavaFileObject.Kind.CLASS), true)) {
            String binary = files.inferBinaryName(StandardLocation.CLASS_PATH, file);
            int dot = binary.lastIndexOf('.');
            String name = dot < 0 ? "" : binary.substring(0, dot);
            if (!isInternal(name) && NOT_API_PACKAGES.stream().noneMatch(
                    excluded -> name.equals(excluded) || name.startsWith(excluded + "."))) {
                packages.add(name);
            }
        }
        return packages.stream().sorted(Comparator
                .comparing((String name) -> !name.startsWith("dev.recipes.core"))
                .thenComparing(name -> name.startsWith("dev.recipes.testkit"))
                .thenComparing(Comparator.naturalOrder())).toList();
    }

    private static boolean isInternal(String name) {
        return Stream.of(name.split("\\.")).anyMatch("internal"::equals);
    }

    // ---------------------------------------------------------------- class path and files

    /**
     * The class path of this test JVM. Surefire may start it from a jar whose manifest lists the
     * class path; that list is followed, so the result is the same either way.
     */
    static List<Path> testClassPath() {
        String property = System.getProperty("surefire.test.class.path");
        if (property == null || property.isBlank()) {
            property = System.getProperty("java.class.path");
        }
        return expandClassPath(property);
    }

    /**
     * The entries of a class path, each jar followed by the entries its manifest's
     * {@code Class-Path} lists (as in the jar Surefire starts a test JVM from).
     */
    static List<Path> expandClassPath(String classPath) {
        Set<Path> entries = new LinkedHashSet<>();
        for (String entry : classPath.split(Pattern.quote(java.io.File.pathSeparator))) {
            if (!entry.isBlank()) {
                addWithManifestClassPath(Path.of(entry).toAbsolutePath().normalize(), entries);
            }
        }
        return List.copyOf(entries);
    }

    private static void addWithManifestClassPath(Path entry, Set<Path> entries) {
        if (!entries.add(entry) || !Files.isRegularFile(entry)) {
            return;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            Manifest manifest = jar.getManifest();
            String listed = manifest == null ? null
                    : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (listed == null) {
                return;
            }
            for (String item : listed.trim().split("\\s+")) {
                URI uri = entry.toUri().resolve(item);
                if ("file".equals(uri.getScheme())) {
                    addWithManifestClassPath(Path.of(uri).normalize(), entries);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // Not a jar, or an entry that names no file: the compiler reports what it lacks.
        }
    }

    /**
     * The root of the recipes project: the nearest directory, from the working directory or
     * Maven's {@code basedir} upwards, whose {@code pom.xml} is the project's parent POM.
     */
    static Path projectRoot() {
        List<String> starts = Stream.of(System.getProperty("basedir"),
                System.getProperty("user.dir")).filter(start -> start != null).toList();
        for (String start : starts) {
            for (Path dir = Path.of(start).toAbsolutePath(); dir != null; dir = dir.getParent()) {
                if (isProjectRoot(dir)) {
                    return dir;
                }
            }
        }
        throw new IllegalStateException("no directory above " + starts + " holds the recipes"
                + " parent pom.xml (artifactId recipes-parent) next to README.md and docs/");
    }

    private static boolean isProjectRoot(Path dir) {
        Path pom = dir.resolve("pom.xml");
        try {
            return Files.isRegularFile(pom) && Files.isDirectory(dir.resolve("docs"))
                    && Files.isRegularFile(dir.resolve("README.md"))
                    && Files.readString(pom).contains("<artifactId>recipes-parent</artifactId>");
        } catch (IOException e) {
            return false;
        }
    }

    /** README.md and every Markdown file under docs/, by their path from the root. */
    static Map<String, String> projectDocuments(Path root) {
        Map<String, String> documents = new LinkedHashMap<>();
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            List<Path> files = new ArrayList<>();
            files.add(root.resolve("README.md"));
            docs.filter(path -> path.toString().endsWith(".md")).filter(Files::isRegularFile)
                    .sorted().forEach(files::add);
            for (Path file : files) {
                String name = root.relativize(file).toString().replace('\\', '/');
                documents.put(name, Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }
}
