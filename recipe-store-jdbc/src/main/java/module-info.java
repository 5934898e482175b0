/**
 * Durable connection and polling state stores on PostgreSQL through JDBC, with secrets
 * encrypted at rest.
 */
module dev.recipes.store.jdbc {
    requires transitive dev.recipes.core;
    requires transitive java.sql;

    exports dev.recipes.store.jdbc;

    // Jackson reads and writes the encrypted secrets through a private nested class.
    opens dev.recipes.store.jdbc to com.fasterxml.jackson.databind;
}
