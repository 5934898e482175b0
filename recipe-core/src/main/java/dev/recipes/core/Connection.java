package dev.recipes.core;

import dev.recipes.core.internal.Names;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One account of one service that actions run as, such as a Slack workspace or a Google service
 * account, with its settings and secrets.
 *
 * <p>{@link #toString()} shows the names of the secrets, never their values.
 *
 * @param service the service id, such as {@code google-sheets}
 * @param id the connection id, unique within its service, such as {@code default}
 * @param settings plain settings, copied
 * @param secrets credentials, copied
 */
public record Connection(
        String service, String id, Map<String, String> settings, Map<String, Secret> secrets) {

    /**
     * Validates the ids and copies the maps.
     *
     * @param service the service id, such as {@code google-sheets}
     * @param id the connection id, unique within its service, such as {@code default}
     * @param settings plain settings, copied
     * @param secrets credentials, copied
     */
    public Connection {
        Names.require(service, "service");
        Names.require(id, "connection");
        settings = Map.copyOf(settings);
        secrets = Map.copyOf(secrets);
    }

    /**
     * Starts a connection.
     *
     * @param service the service id
     * @param id the connection id
     * @return a builder
     */
    public static Builder builder(String service, String id) {
        return new Builder(service, id);
    }

    /**
     * Returns a setting.
     *
     * @param name the setting's name
     * @return the value, if set
     */
    public Optional<String> setting(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /**
     * Returns a secret.
     *
     * @param name the secret's name
     * @return the secret, if set
     */
    public Optional<Secret> secret(String name) {
        return Optional.ofNullable(secrets.get(name));
    }

    @Override
    public String toString() {
        return "Connection[" + service + "/" + id + ", settings=" + new TreeMap<>(settings)
                + ", secrets=" + new TreeMap<>(secrets).keySet() + "]";
    }

    /** Builds a {@link Connection}. */
    public static final class Builder {

        private final String service;
        private final String id;
        private final Map<String, String> settings = new TreeMap<>();
        private final Map<String, Secret> secrets = new TreeMap<>();

        private Builder(String service, String id) {
            this.service = service;
            this.id = id;
        }

        /**
         * Adds a plain setting.
         *
         * @param name the name
         * @param value the value
         * @return this builder
         */
        public Builder setting(String name, String value) {
            settings.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, name));
            return this;
        }

        /**
         * Adds a secret.
         *
         * @param name the name
         * @param value the secret value
         * @return this builder
         */
        public Builder secret(String name, String value) {
            secrets.put(Objects.requireNonNull(name, "name"), Secret.of(value));
            return this;
        }

        /**
         * Builds the connection.
         *
         * @return the connection
         */
        public Connection build() {
            return new Connection(service, id, settings, secrets);
        }
    }
}
