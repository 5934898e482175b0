package dev.recipes.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Secret;
import java.util.Base64;
import org.junit.jupiter.api.Test;

final class KeyRingTest {

    private static final Secret KEY = PostgresFixture.newKey();

    @Test
    void toString_showsIdsNotKeys() {
        KeyRing keys = KeyRing.builder().current("k2", KEY).older("k1", PostgresFixture.newKey())
                .build();

        assertThat(keys.toString()).isEqualTo("KeyRing[current=k2, ids=[k1, k2]]");
        assertThat(keys.currentId()).isEqualTo("k2");
    }

    @Test
    void rejectsKeyThatIsNotBase64_namingIdNotKey() {
        assertThatThrownBy(() -> KeyRing.of("k1", Secret.of("not*base64!")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key ring: key 'k1' is not base64; give the base64 of 32 random bytes");
    }

    @Test
    void rejectsKeyOfWrongLength() {
        Secret shortKey = Secret.of(Base64.getEncoder().encodeToString(new byte[16]));

        assertThatThrownBy(() -> KeyRing.of("k1", shortKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key ring: key 'k1' holds 16 bytes, not 32;"
                        + " give the base64 of 32 random bytes");
    }

    @Test
    void rejectsMalformedKeyId() {
        assertThatThrownBy(() -> KeyRing.of("k 1", KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key ring: key id 'k 1' must be 1 to 64 letters, digits, '.', '_'"
                        + " or '-'");
    }

    @Test
    void rejectsSameIdTwice() {
        KeyRing.Builder builder = KeyRing.builder().current("k1", KEY);

        assertThatThrownBy(() -> builder.older("k1", PostgresFixture.newKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key ring: key id 'k1' is given twice");
    }

    @Test
    void rejectsSecondCurrentKey() {
        KeyRing.Builder builder = KeyRing.builder().current("k1", KEY);

        assertThatThrownBy(() -> builder.current("k2", PostgresFixture.newKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key ring: current key is already 'k1'; add 'k2' as an older key"
                        + " instead");
    }

    @Test
    void rejectsRingWithoutCurrentKey() {
        KeyRing.Builder builder = KeyRing.builder().older("k1", KEY);

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("key ring: no current key; call current(id, key)");
    }
}
