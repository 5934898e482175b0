package dev.recipes.core.internal;

import dev.recipes.core.ActionAttempt;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every registered listener, each guarded so that one that throws disturbs nothing. */
final class Listeners implements EngineListener {

    private static final Logger LOG = LoggerFactory.getLogger(EngineListener.class);

    private final List<EngineListener> listeners;

    Listeners(List<EngineListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    /** Tells whether no listener is registered, so that nobody sees what they are told. */
    boolean isEmpty() {
        return listeners.isEmpty();
    }

    private void each(Consumer<EngineListener> call) {
        for (EngineListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException | Error e) {
                LOG.warn("Engine listener {} threw; ignored", listener.getClass().getName(), e);
            }
        }
    }

    @Override
    public void eventReceived(Event event) {
        each(listener -> listener.eventReceived(event));
    }

    @Override
    public void recipeMatched(String recipeId, Event event) {
        each(listener -> listener.recipeMatched(recipeId, event));
    }

    @Override
    public void actionStarted(ActionAttempt attempt) {
        each(listener -> listener.actionStarted(attempt));
    }

    @Override
    public void actionSucceeded(ActionAttempt attempt) {
        each(listener -> listener.actionSucceeded(attempt));
    }

    @Override
    public void actionRetried(ActionAttempt attempt, Duration delay, String error) {
        each(listener -> listener.actionRetried(attempt, delay, error));
    }

    @Override
    public void actionFailed(ActionAttempt attempt, String error) {
        each(listener -> listener.actionFailed(attempt, error));
    }

    @Override
    public void deadLettered(DeadLetter deadLetter) {
        each(listener -> listener.deadLettered(deadLetter));
    }
}
