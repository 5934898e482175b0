package dev.recipes.benchmarks;

import java.util.List;
import java.util.function.Function;

/** What the benchmarks run from the command line share: reading their options. */
final class CommandLine {

    private CommandLine() {
    }

    /**
     * Reads a program's options, or prints why they are wrong, in one line, and exits with
     * status 2.
     *
     * @param program the program's name, the start of its messages, such as {@code soak run}
     * @param args the arguments
     * @param parse reads the options; it throws a runtime exception for wrong ones
     * @param <T> the options
     * @return the options read
     */
    static <T> T options(String program, String[] args, Function<String[], T> parse) {
        try {
            return parse.apply(args);
        } catch (RuntimeException e) {
            // Numbers and durations fail in the JDK's own words, which name no option.
            String message = String.valueOf(e.getMessage());
            System.err.println(message.startsWith(program + ": ") ? message
                    : program + ": wrong options " + List.of(args) + ": " + message);
            System.exit(2);
            throw e;
        }
    }
}
