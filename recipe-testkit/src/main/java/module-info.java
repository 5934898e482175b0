/**
 * Test support for recipes: a test engine on controllable time, fake provider APIs, webhook
 * simulators, recording and replay, assertions, the JUnit 5 extension and the event bus
 * conformance suite.
 *
 * <p>JUnit Jupiter is optional: only {@code dev.recipes.testkit.junit} and
 * {@code dev.recipes.testkit.bus} need it, and tests that use them have it anyway. The package
 * {@code dev.recipes.testkit.internal} is not exported.
 */
module dev.recipes.testkit {
    requires transitive dev.recipes.core;
    requires jdk.httpserver;
    requires org.java_websocket;
    requires org.slf4j;
    requires static transitive org.junit.jupiter.api;
    requires static org.junit.platform.commons;
    requires static org.opentest4j;

    exports dev.recipes.testkit;
    exports dev.recipes.testkit.bus;
    exports dev.recipes.testkit.github;
    exports dev.recipes.testkit.http;
    exports dev.recipes.testkit.junit;
    exports dev.recipes.testkit.recording;
    exports dev.recipes.testkit.sheets;
    exports dev.recipes.testkit.slack;
    exports dev.recipes.testkit.standardwebhooks;
    exports dev.recipes.testkit.webhook;

    // JUnit calls the contract suite's package-private lifecycle methods reflectively.
    opens dev.recipes.testkit.bus to org.junit.platform.commons;
}
