package dev.recipes.examples.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code log-line} action: writes the parameter {@code text}, prefixed with the recipe id,
 * as one INFO line, and returns it as {@code {"line": "..."}}. It needs no connection and
 * calls no API. Thread-safe.
 */
final class LogLineAction implements Action {

    static final String NAME = "log-line";

    private static final Logger LOG = LoggerFactory.getLogger(LogLineAction.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JsonNode execute(ActionInvocation invocation) {
        String text = invocation.requireText("text");
        String line = (invocation.recipeId() == null ? "" : invocation.recipeId() + ": ") + text;
        LOG.info("{}", line);
        return JsonNodeFactory.instance.objectNode().put("line", line);
    }
}
