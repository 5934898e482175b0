package dev.recipes.bus.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.util.List;
import java.util.function.Function;

/** A service with one action whose body a test gives, for engines on the Redis bus. */
final class OneActionService implements Service {

    private final String id;
    private final String action;
    private final Function<ActionInvocation, JsonNode> body;

    OneActionService(String id, String action, Function<ActionInvocation, JsonNode> body) {
        this.id = id;
        this.action = action;
        this.body = body;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public List<Action> actions() {
        return List.of(new Action() {
            @Override
            public String name() {
                return action;
            }

            @Override
            public JsonNode execute(ActionInvocation invocation) {
                return body.apply(invocation);
            }
        });
    }
}
