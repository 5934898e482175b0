package dev.recipes.sheets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads payloads from this package's test resources. */
final class PayloadFixture {

    private PayloadFixture() {
    }

    static String read(String name) {
        try (InputStream in = PayloadFixture.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource '" + name + "'");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
