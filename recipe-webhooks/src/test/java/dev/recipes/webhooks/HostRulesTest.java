package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Host lists and address kinds, checked on names and IP literals without any lookup. */
final class HostRulesTest {

    @Test
    void exactNamesMatchWithoutRegardToCaseOrATrailingDot() {
        HostRules rules = HostRules.parse("API.example.invalid", true);

        assertThat(rules.matchesHost("api.example.invalid")).isTrue();
        assertThat(rules.matchesHost("Api.Example.Invalid.")).isTrue();
        assertThat(rules.matchesHost("example.invalid")).isFalse();
        assertThat(rules.matchesHost("xapi.example.invalid")).isFalse();
    }

    @Test
    void suffixPatternsMatchNamesBelowButNotTheNameItself() {
        HostRules rules = HostRules.parse("*.hooks.example.invalid", true);

        assertThat(rules.matchesHost("a.hooks.example.invalid")).isTrue();
        assertThat(rules.matchesHost("a.b.hooks.example.invalid")).isTrue();
        assertThat(rules.matchesHost("hooks.example.invalid")).isFalse();
        assertThat(rules.matchesHost("evilhooks.example.invalid")).isFalse();
        assertThat(rules.matchesHost("10.0.0.1")).isFalse();
    }

    @Test
    void addressesMatchWhateverTheirNotation() throws Exception {
        HostRules rules = HostRules.parse("10.0.0.1 [::1], 0:0:0:0:0:ffff:a00:2", false);

        assertThat(rules.matchesHost("10.0.0.1")).isTrue();
        assertThat(rules.matchesHost("[0:0:0:0:0:0:0:1]")).isTrue();
        assertThat(rules.matchesHost("10.0.0.2")).isTrue();
        assertThat(rules.matchesHost("[::ffff:10.0.0.1]")).isTrue();
        assertThat(rules.matchesHost("10.0.0.3")).isFalse();
        assertThat(rules.containsAddress(InetAddress.getByName("::1"))).isTrue();
    }

    @Test
    void wildcardMatchesEveryHostWhereAccepted() {
        assertThat(HostRules.parse("*", true).matchesHost("anything.invalid")).isTrue();
        assertThat(HostRules.parse("*", true).matchesHost("[::1]")).isTrue();
        assertThatThrownBy(() -> HostRules.parse("*", false))
                .hasMessage("entry '*' is not a host name, '*.suffix' or an IP address");
    }

    @Test
    void emptyListMatchesNothing() {
        HostRules rules = HostRules.parse(" ,, ", true);

        assertThat(rules.isEmpty()).isTrue();
        assertThat(rules.matchesHost("localhost")).isFalse();
        assertThat(rules).hasToString("(none)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://a.invalid", "a.invalid:443", "*.", "*a.invalid", "a..b",
        "-a.invalid", "a.invalid/x", "[::1", "10.0.0.1/8", "a*.invalid"})
    void refusesEntriesThatAreNoHost(String entry) {
        assertThatThrownBy(() -> HostRules.parse(entry, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("entry '" + entry + "' is not a host name, '*.suffix', an IP "
                        + "address or '*'");
    }

    @Test
    void literalsAreReadWithoutLookupAndOtherTextIsNotALiteral() {
        assertThat(HostRules.literal("192.0.2.7")).isPresent();
        assertThat(HostRules.literal("[2001:db8::7]")).isPresent();
        assertThat(HostRules.literal("010.0.0.1")).isEmpty();
        assertThat(HostRules.literal("256.0.0.1")).isEmpty();
        assertThat(HostRules.literal("2130706433")).isEmpty();
        assertThat(HostRules.literal("example.invalid")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.0.1",
        "100.128.0.1", "192.169.0.1", "169.255.0.1", "223.255.255.255", "198.20.0.1",
        "2001:4860:4860::8888", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1",
        "::ffff:8.8.8.8"})
    void publicAddressesAreNotRestricted(String literal) throws Exception {
        assertThat(AddressKind.restricted(InetAddress.getByName(literal))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.2.3", "10.255.255.255", "127.0.0.1", "169.254.0.1",
        "172.16.0.0", "172.31.0.1", "192.168.0.1", "100.64.0.0", "100.127.255.255",
        "192.0.0.8", "198.18.0.1", "198.19.255.255", "224.0.0.251", "239.255.255.255",
        "240.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "febf::1", "fec0::1", "fc00::",
        "fdff::1", "ff02::1", "::ffff:192.168.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
        "2002:a9fe:a9fe::"})
    void nonPublicAddressesAreRestricted(String literal) throws Exception {
        assertThat(AddressKind.restricted(InetAddress.getByName(literal))).isNotNull();
    }
}
