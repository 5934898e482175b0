package dev.recipes.core.internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.Trigger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The recipes of an engine by trigger topic and, within a topic, by the field their triggers
 * require ({@link Trigger#indexKey()}): the recipes an event may concern are found with one map
 * lookup per distinct field of its topic, whatever the number of recipes. Immutable once built.
 */
final class RecipeIndex {

    private final Map<String, TopicRecipes> byTopic;
    private final Map<String, List<Recipe>> allByTopic = new HashMap<>();

    RecipeIndex(List<Recipe> recipes) {
        Map<String, TopicBuilder> building = new LinkedHashMap<>();
        for (int i = 0; i < recipes.size(); i++) {
            Recipe recipe = recipes.get(i);
            building.computeIfAbsent(recipe.trigger().topic(), topic -> new TopicBuilder())
                    .add(recipe, i, keyOf(recipe));
            allByTopic.computeIfAbsent(recipe.trigger().topic(), topic -> new ArrayList<>())
                    .add(recipe);
        }
        allByTopic.replaceAll((topic, all) -> List.copyOf(all));
        Map<String, TopicRecipes> built = new HashMap<>();
        building.forEach((topic, builder) -> built.put(topic, builder.build()));
        this.byTopic = built;
    }

    private static Optional<Trigger.IndexKey> keyOf(Recipe recipe) {
        try {
            return recipe.trigger().indexKey();
        } catch (RuntimeException e) {
            throw new IllegalStateException("recipe '" + recipe.id() + "': its trigger "
                    + recipe.trigger() + " failed to tell its index key: " + e, e);
        }
    }

    /** Returns the trigger topics, each once. */
    Set<String> topics() {
        return byTopic.keySet();
    }

    /**
     * Returns every recipe on a topic, whatever its key.
     *
     * @param topic the topic
     * @return the recipes, in the order they were registered
     */
    List<Recipe> recipesOn(String topic) {
        return allByTopic.getOrDefault(topic, List.of());
    }

    /**
     * Returns the recipes on a topic that an event may concern, in the order they were
     * registered: those whose key the event carries and those without a key. Each still has to
     * be asked {@link Trigger#matches(Event)}.
     *
     * @param topic the topic the event came on
     * @param event the event
     * @return the candidates, possibly empty
     */
    List<Recipe> candidates(String topic, Event event) {
        TopicRecipes recipes = byTopic.get(topic);
        return recipes == null ? List.of() : recipes.candidates(event);
    }

    private record Entry(Recipe recipe, int order) {
    }

    private static final class TopicBuilder {
        private final List<Entry> unkeyed = new ArrayList<>();
        private final Map<String, Map<String, List<Entry>>> keyed = new LinkedHashMap<>();

        void add(Recipe recipe, int order, Optional<Trigger.IndexKey> key) {
            Entry entry = new Entry(recipe, order);
            if (key.isEmpty()) {
                unkeyed.add(entry);
                return;
            }
            Map<String, List<Entry>> byValue =
                    keyed.computeIfAbsent(key.get().field(), field -> new HashMap<>());
            for (String value : key.get().values()) {
                byValue.computeIfAbsent(value, v -> new ArrayList<>(1)).add(entry);
            }
        }

        TopicRecipes build() {
            List<Field> fields = new ArrayList<>(keyed.size());
            keyed.forEach((name, byValue) -> {
                Map<String, Entry[]> frozen = new HashMap<>(byValue.size() * 2);
                byValue.forEach((value, entries) -> frozen.put(value,
                        entries.toArray(Entry[]::new)));
                fields.add(new Field(name, name.startsWith("/") ? JsonPointer.compile(name)
                        : null, frozen));
            });
            return new TopicRecipes(unkeyed.toArray(Entry[]::new), fields.toArray(Field[]::new));
        }
    }

    private record Field(String name, JsonPointer pointer, Map<String, Entry[]> byValue) {

        Entry[] lookup(Event event) {
            String value;
            if (pointer != null) {
                JsonNode node = event.data().at(pointer);
                value = node.isTextual() ? node.textValue() : null;
            } else if (name.equals(Trigger.IndexKey.SOURCE)) {
                value = event.source().toString();
            } else {
                value = event.subject();
            }
            return value == null ? null : byValue.get(value);
        }
    }

    private record TopicRecipes(Entry[] unkeyed, Field[] fields) {

        List<Recipe> candidates(Event event) {
            Entry[] single = unkeyed.length > 0 ? unkeyed : null;
            List<Entry[]> found = null;
            for (Field field : fields) {
                Entry[] entries = field.lookup(event);
                if (entries == null) {
                    continue;
                }
                if (single == null) {
                    single = entries;
                } else {
                    if (found == null) {
                        found = new ArrayList<>(fields.length + 1);
                        found.add(single);
                    }
                    found.add(entries);
                }
            }
            if (single == null) {
                return List.of();
            }
            if (found == null) {
                return recipesOf(single);
            }
            // Several groups: merged back into registration order, so that an event's recipes
            // run in the order they were given whichever way they were found.
            int size = 0;
            for (Entry[] entries : found) {
                size += entries.length;
            }
            Entry[] merged = new Entry[size];
            int at = 0;
            for (Entry[] entries : found) {
                System.arraycopy(entries, 0, merged, at, entries.length);
                at += entries.length;
            }
            Arrays.sort(merged, (a, b) -> Integer.compare(a.order, b.order));
            return recipesOf(merged);
        }

        private static List<Recipe> recipesOf(Entry[] entries) {
            if (entries.length == 1) {
                return List.of(entries[0].recipe);
            }
            Recipe[] recipes = new Recipe[entries.length];
            for (int i = 0; i < entries.length; i++) {
                recipes[i] = entries[i].recipe;
            }
            return Arrays.asList(recipes);
        }
    }
}
