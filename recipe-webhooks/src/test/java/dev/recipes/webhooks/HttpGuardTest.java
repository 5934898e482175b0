package dev.recipes.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.recipes.core.Connection;
import dev.recipes.core.spi.ActionException;
import dev.recipes.testkit.http.FakeHttpServer;
import java.net.URI;
import java.time.Clock;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the post action refuses before it connects anywhere. Every refused URL here is an IP
 * literal or a name under {@code .invalid}, so that nothing is looked up or sent off this
 * machine; where something listens (the fake server), the test shows it received nothing.
 */
final class HttpGuardTest {

    private static final String PRIVATE_REFUSAL = "; requests to private and internal addresses "
            + "are refused unless config 'http.allowed-private-hosts' names the host or the "
            + "address";

    private final FakeHttpServer api = FakeHttpServer.start();

    @AfterEach
    void closeServer() {
        api.close();
    }

    private static ActionException refusal(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(ActionException.class);
        ActionException e = (ActionException) thrown;
        assertThat(e.retryable()).isFalse();
        return e;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "http://10.0.0.1/           | 10.0.0.1         | private",
        "http://172.16.5.4/         | 172.16.5.4       | private",
        "http://172.31.255.255/     | 172.31.255.255   | private",
        "http://192.168.1.1/        | 192.168.1.1      | private",
        "http://169.254.169.254/latest/meta-data | 169.254.169.254 | link-local",
        "http://127.0.0.1:8080/     | 127.0.0.1        | loopback",
        "http://127.1.2.3/          | 127.1.2.3        | loopback",
        "http://0.0.0.0/            | 0.0.0.0          | unspecified ('this network', 0.0.0.0/8)",
        "http://100.64.0.1/         | 100.64.0.1       | shared (carrier-grade NAT, 100.64.0.0/10)",
        "http://224.0.0.1/          | 224.0.0.1        | multicast",
        "http://255.255.255.255/    | 255.255.255.255  | reserved or broadcast (240.0.0.0/4)",
        "http://[::1]/              | 0:0:0:0:0:0:0:1  | loopback",
        "http://[::]/               | 0:0:0:0:0:0:0:0  | unspecified",
        "http://[fe80::1]/          | fe80:0:0:0:0:0:0:1 | link-local",
        "http://[fc00::1]/          | fc00:0:0:0:0:0:0:1 | unique local (fc00::/7)",
        "http://[fd12:3456::1]/     | fd12:3456:0:0:0:0:0:1 | unique local (fc00::/7)",
        "http://[ff02::1]/          | ff02:0:0:0:0:0:0:1 | multicast",
        "http://[::ffff:169.254.169.254]/ | 169.254.169.254 | link-local",
        "http://[::ffff:7f00:1]/    | 127.0.0.1        | loopback",
        "http://[::10.0.0.1]/       | 0:0:0:0:0:0:a00:1 "
            + "| private (10.0.0.1 in IPv4-compatible form)",
        "http://[64:ff9b::a9fe:a9fe]/ | 64:ff9b:0:0:0:0:a9fe:a9fe "
            + "| link-local (169.254.169.254 in NAT64 (64:ff9b::/96) form)",
        "http://[2002:c0a8:101::1]/ | 2002:c0a8:101:0:0:0:0:1 "
            + "| private (192.168.1.1 in 6to4 (2002::/16) form)",
        "http://192.0.2.7/          | 192.0.2.7        | documentation (TEST-NET)",
        "http://198.51.100.1/       | 198.51.100.1     | documentation (TEST-NET)",
        "http://203.0.113.9/        | 203.0.113.9      | documentation (TEST-NET)",
        "http://192.88.99.1/        | 192.88.99.1      | 6to4 relay anycast (192.88.99.0/24)",
        "http://[::ffff:0:7f00:1]/  | 0:0:0:0:ffff:0:7f00:1 "
            + "| loopback (127.0.0.1 in IPv4-translated (::ffff:0:0/96) form)",
        "http://[64:ff9b:1::a9fe:a9fe]/ | 64:ff9b:1:0:0:0:a9fe:a9fe "
            + "| local-use NAT64 (64:ff9b:1::/48)",
        "http://[100::1]/           | 100:0:0:0:0:0:0:1 "
            + "| discard-only or dummy (100::/64, 100:0:0:1::/64)",
        "http://[100:0:0:1::1]/     | 100:0:0:1:0:0:0:1 "
            + "| discard-only or dummy (100::/64, 100:0:0:1::/64)",
        "http://[3fff::1]/          | 3fff:0:0:0:0:0:0:1 | documentation (3fff::/20)",
        "http://[5f00::1]/          | 5f00:0:0:0:0:0:0:1 | segment routing (5f00::/16)",
        "http://[2001::a9fe:a9fe]/  | 2001:0:0:0:0:0:a9fe:a9fe | Teredo (2001::/32)",
        "http://[2001:db8::1]/      | 2001:db8:0:0:0:0:0:1 | documentation (2001:db8::/32)",
        "http://[2001:2::1]/        | 2001:2:0:0:0:0:0:1 | benchmarking (2001:2::/48)",
        "http://[2001:10::1]/       | 2001:10:0:0:0:0:0:1 | ORCHID (2001:10::/28, 2001:20::/28)",
        "http://[2001:20::1]/       | 2001:20:0:0:0:0:0:1 | ORCHID (2001:10::/28, 2001:20::/28)",
    })
    void privateAndInternalAddressesAreRefusedEvenWhenEveryHostIsAllowed(String url,
            String address, String kind) {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
                "allowed-hosts", "*");

        ActionException e = refusal(() -> http.post(url, "{}", null));

        String host = URI.create(url).getHost();
        assertThat(e).hasMessage("action 'http/post': host '" + host + "' resolves to "
                + address + ", a " + kind + " address" + PRIVATE_REFUSAL);
    }

    @Test
    void hostOnTheAllowListIsStillRefusedWhenItsAddressIsPrivate() {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
                "allowed-hosts", "127.0.0.1");

        ActionException e = refusal(() -> http.post(api.url("/"), "{}", null));

        assertThat(e).hasMessage("action 'http/post': host '127.0.0.1' resolves to 127.0.0.1, "
                + "a loopback address" + PRIVATE_REFUSAL);
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void privateHostAllowedByAddressIsReached() throws Exception {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
                "allowed-private-hosts", "[0:0:0:0:0:ffff:7f00:1]");

        http.post(api.url("/reached"), "{}", null);

        assertThat(api.requests()).hasSize(1);
    }

    @Test
    void withoutAllowedHostsNothingIsSent() {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC());

        ActionException e = refusal(() -> http.post(api.url("/"), "{}", null));

        assertThat(e).hasMessage("action 'http/post': host '127.0.0.1' is not allowed; config "
                + "'http.allowed-hosts' allows (none) (a host that resolves to a loopback or "
                + "private address is allowed by 'http.allowed-private-hosts' instead)");
        assertThat(api.requests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.invalid/", "https://api.example.invalid.evil.invalid/",
        "http://notexample.invalid/", "http://example.invalid.", "http://10.0.0.2/"})
    void hostsOffTheListAreRefusedBeforeAnyLookup(String url) {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
                "allowed-hosts", "*.example.invalid, 10.0.0.1, api.example.invalid");

        ActionException e = refusal(() -> http.post(url, "{}", null));

        assertThat(e).hasMessageContaining("' is not allowed; config 'http.allowed-hosts' "
                + "allows *.example.invalid, 10.0.0.1, api.example.invalid");
    }

    @Test
    void connectionCanNarrowTheHostsItsHeadersGoTo() {
        HttpContextFixture http = HttpContextFixture.start(Clock.systemUTC(),
                "allowed-private-hosts", "127.0.0.1");
        Connection narrow = Connection.builder("http", "crm")
                .setting("allowed-hosts", "crm.example.invalid")
                .secret("header.Authorization", "Bearer tok-1234567")
                .build();

        ActionException e = refusal(() -> http.post(api.url("/"), "{}", narrow));

        assertThat(e).hasMessage("action 'http/post': host '127.0.0.1' is not in the "
                + "connection's setting 'allowed-hosts' (crm.example.invalid)");
        assertThat(api.requests()).isEmpty();
    }
}
