package dev.recipes.testkit;

/**
 * What a test engine saw, attached to a failure the testkit did not make, as a suppressed
 * exception, so that the test report shows it next to the failure. It has no stack trace.
 */
final class EngineActivity extends RuntimeException {

    private static final long serialVersionUID = 1L;

    EngineActivity(String description) {
        super(description, null, false, false);
    }
}
