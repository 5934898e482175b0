package dev.recipes.testkit;

import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.RecordedRequest;
import java.util.List;
import java.util.Objects;

/**
 * Assertions on the requests a {@link FakeSheetsServer} received, read when each check runs:
 *
 * <pre>{@code
 * engine.assertThatRequests(sheets).hasAppends(2).hasTokenRequests(1);
 * }</pre>
 *
 * <p>A failure shows every request the fake received (credentials masked) and everything the
 * engine saw.
 */
public final class SheetsRequestsAssert {

    private final TestEngine engine;
    private final FakeSheetsServer sheets;

    SheetsRequestsAssert(TestEngine engine, FakeSheetsServer sheets) {
        this.engine = engine;
        this.sheets = sheets;
    }

    /**
     * Checks how many {@code values.append} requests arrived, answered or not.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if more or fewer arrived
     */
    public SheetsRequestsAssert hasAppends(int expected) {
        return count("append", sheets.appendRequests(), expected);
    }

    /**
     * Checks how many requests reached the token endpoint, granted or not.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if more or fewer arrived
     */
    public SheetsRequestsAssert hasTokenRequests(int expected) {
        return count("token", sheets.tokenRequests(), expected);
    }

    /**
     * Checks how many {@code values.get} requests arrived, answered or not.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if more or fewer arrived
     */
    public SheetsRequestsAssert hasReads(int expected) {
        return count("read", sheets.readRequests(), expected);
    }

    /**
     * Checks some append request's body holds a text, such as a cell's value.
     *
     * @param text the text
     * @return this
     * @throws AssertionError if no append request's body holds it
     */
    public SheetsRequestsAssert hasAppendContaining(String text) {
        Objects.requireNonNull(text, "text");
        boolean found = sheets.requests().stream()
                .anyMatch(request -> request.isAppend() && request.body().contains(text));
        if (!found) {
            throw failure("expected an append request whose body holds \"" + text
                    + "\", but none did", null, null);
        }
        return this;
    }

    /**
     * Returns the requests received, oldest first, for other checks.
     *
     * @return the requests
     */
    public List<RecordedRequest> list() {
        return sheets.requests();
    }

    private SheetsRequestsAssert count(String kind, int actual, int expected) {
        if (actual != Check.requireCount(expected)) {
            throw failure("expected the fake Sheets server to have received " + expected + " "
                    + kind + " request" + (expected == 1 ? "" : "s") + ", but it received "
                    + actual, String.valueOf(expected), String.valueOf(actual));
        }
        return this;
    }

    private AssertionError failure(String message, String expected, String actual) {
        String full = message + "\n\n" + SheetAssert.requests(sheets) + "\n\n"
                + engine.seen().describe();
        return expected == null ? Failures.fail(full) : Failures.fail(full, expected, actual);
    }
}
