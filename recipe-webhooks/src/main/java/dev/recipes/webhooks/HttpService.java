package dev.recipes.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code http} service: its action {@code post} sends a JSON body to a URL on an
 * allow-list, with headers from the step's connection.
 *
 * <pre>{@code
 * RecipeEngine engine = RecipeEngine.builder()
 *         .config("http.allowed-hosts", "crm.example.com, *.hooks.example.net")
 *         .recipe(recipe)
 *         .build();
 * engine.connections().put(Connection.builder("http", "crm")
 *         .secret("header.Authorization", "Bearer " + System.getenv("CRM_TOKEN"))
 *         .build());
 * }</pre>
 *
 * <p>Configuration keys, read when the service starts:
 * <ul>
 *   <li>{@code http.allowed-hosts}: the hosts requests may go to, separated by commas or
 *       whitespace: exact names ({@code api.example.com}), {@code *.example.com} for every
 *       name under {@code example.com} (not {@code example.com} itself), IP addresses
 *       ({@code 203.0.113.7}, {@code [2001:db8::1]}) or {@code *} for every host. Empty or
 *       unset, no request is sent at all;</li>
 *   <li>{@code http.allowed-private-hosts}: hosts, in the same forms but without {@code *},
 *       that may resolve to loopback, private, link-local, unspecified, multicast or other
 *       special-purpose addresses (IPv6 forms carrying such IPv4 addresses included), or such
 *       addresses themselves; they need not be repeated in {@code http.allowed-hosts}. Every
 *       other host must resolve only to public addresses;</li>
 *   <li>{@code http.timeout}: how long one request may take, answer included; seconds or
 *       ISO-8601, 30 seconds by default, at most 10 minutes;</li>
 *   <li>{@code http.max-response-bytes}: the largest answer read, 262144 (256 KiB) by default,
 *       at most 16 MiB; a larger answer is cut.</li>
 * </ul>
 *
 * <p>The {@code post} action takes the parameters {@code url} (text, http or https, without
 * user info or fragment) and {@code body} (any JSON value but null), and sends
 * {@code Content-Type: application/json}. The step's connection (service {@code http}) is
 * optional while it is {@code default}: without it, no header is added. Its settings and
 * secrets named {@code header.<Name>} become request headers; a setting {@code allowed-hosts}
 * narrows the hosts its headers may go to. Header values are never logged or shown.
 *
 * <p>A request is refused before any connection is made when its host is not allowed, or
 * resolves to an address that is not public without being allowed to. Redirects are not
 * followed, and no proxy is used. A 2xx answer gives the result
 * {@code {"status": 200, "body": ..., "truncated": false}}, with the body parsed when its
 * {@code Content-Type} is JSON, as text otherwise, and {@code null} when empty. 408, 429, 5xx,
 * timeouts and connection failures are retryable, honouring {@code Retry-After}; 3xx and other
 * 4xx are permanent.
 *
 * <p>Limitation: the host is resolved for the check and again by the HTTP client when it
 * connects, so a name whose DNS answer changes in between (DNS rebinding) can reach an address
 * the check refused. Allow only names whose DNS you control or trust.
 *
 * <p>An instance serves one engine. It is thread-safe once started.
 */
public final class HttpService implements Service {

    /** The service id, which steps and connections name. */
    public static final String ID = "http";

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final Action post = new Action() {
        @Override
        public String name() {
            return PostAction.NAME;
        }

        @Override
        public JsonNode execute(ActionInvocation invocation) {
            PostAction started = action;
            if (started == null) {
                throw ActionException.retryable("service '" + ID + "': not started", null,
                        null);
            }
            return started.execute(invocation);
        }

        @Override
        public String toString() {
            return "Action[" + ID + "/" + PostAction.NAME + "]";
        }
    };
    private volatile PostAction action;

    /** Creates the service; {@link java.util.ServiceLoader} uses this constructor. */
    public HttpService() {
    }

    /**
     * Returns the service id.
     *
     * @return {@value #ID}
     */
    @Override
    public String id() {
        return ID;
    }

    /**
     * Returns the keys the service reads: {@code allowed-hosts}, {@code allowed-private-hosts},
     * {@code timeout} and {@code max-response-bytes}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        return Set.of(HttpSettings.ALLOWED_HOSTS, HttpSettings.ALLOWED_PRIVATE_HOSTS,
                HttpSettings.TIMEOUT, HttpSettings.MAX_RESPONSE_BYTES);
    }

    /**
     * Reads the configuration and makes the HTTP client the action uses: its own, which
     * follows no redirect and uses no proxy, rather than the engine's.
     *
     * @param context the service's dependencies and configuration
     * @throws RecipeException if a setting is malformed
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (action != null) {
            throw new IllegalStateException("service '" + ID + "': already started; give each "
                    + "engine its own HttpService");
        }
        HttpSettings settings = HttpSettings.from(context);
        Duration connect = settings.timeout().compareTo(MAX_CONNECT_TIMEOUT) < 0
                ? settings.timeout() : MAX_CONNECT_TIMEOUT;
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(connect)
                .build();
        action = new PostAction(settings, client, context.clock(), context.json());
        LOG.info("HTTP service started; allowed hosts: {}; allowed private hosts: {}",
                settings.allowedHosts(), settings.privateHosts());
    }

    /**
     * Returns the service's one action, {@code post}.
     *
     * @return the actions
     */
    @Override
    public List<Action> actions() {
        return List.of(post);
    }

    @Override
    public String toString() {
        return "HttpService[" + (action == null ? "not started" : action) + "]";
    }
}
