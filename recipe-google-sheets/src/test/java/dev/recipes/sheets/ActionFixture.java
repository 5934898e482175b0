package dev.recipes.sheets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs one of the service's actions directly against a {@link StubGoogleFixture}, as a started
 * service would, with a service-account connection whose tokens the stub grants.
 */
final class ActionFixture implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final KeyFixture KEY = KeyFixture.generate();

    final StubGoogleFixture google;
    final Connection connection;
    final MutableClockFixture clock = new MutableClockFixture(
            Instant.parse("2024-05-01T12:00:00Z"));
    private final String actionName;

    ActionFixture(String actionName) throws IOException {
        this.actionName = actionName;
        this.google = new StubGoogleFixture();
        this.connection = GoogleSheets.serviceAccountJson("default",
                KEY.keyJson(google.tokenUrl()));
    }

    /** Starts a service with the stub's API URL and more configuration, and finds the action. */
    Action start(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>();
        config.put("google-sheets.api-url", google.apiUrl());
        config.putAll(overrides);
        GoogleSheetsService service = new GoogleSheetsService();
        service.start(new ContextFixture(clock, config));
        return service.actions().stream().filter(action -> action.name().equals(actionName))
                .findFirst().orElseThrow();
    }

    Action start() {
        return start(Map.of());
    }

    static ObjectNode params(String range) {
        return JSON.createObjectNode().put("spreadsheetId", "1AbC").put("range", range);
    }

    ActionInvocation first(ObjectNode params) {
        return new ActionInvocation("google-sheets", actionName, params, "default", connection,
                "ev-1:recipe:0", "recipe", "ev-1", false);
    }

    /** An invocation after a failed attempt, which may have had its effect. */
    ActionInvocation retry(ObjectNode params) {
        return new ActionInvocation("google-sheets", actionName, params, "default", connection,
                "ev-1:recipe:0", "recipe", "ev-1", true);
    }

    static ActionException fail(Action action, ActionInvocation invocation) {
        Throwable thrown = catchThrowable(() -> action.execute(invocation));
        assertThat(thrown).isInstanceOf(ActionException.class);
        return (ActionException) thrown;
    }

    @Override
    public void close() {
        google.close();
    }
}
