package dev.ioloop.sample.testing;

import dev.ioloop.sample.SampleApplication;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the sample's RESP server in-process, on a free port of loopback, for the tests of one class, and stops it
 * after them: a Redis for tests, with no container and no binary to install.
 *
 * <pre>{@code
 * @ExtendWith(RespServerExtension.class)
 * class CacheTests {
 *     @Test
 *     void storesAndReadsBack(RespServerExtension server) {
 *         try (Jedis jedis = new Jedis(server.host(), server.port())) {
 *             jedis.set("k", "v");
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>To give the server settings, or to hand its port to a Spring test's own context, register it in a static field
 * and use {@code @DynamicPropertySource}; {@link #port()} starts the server if it is not running yet, so it works
 * whether Spring or this extension gets there first:
 *
 * <pre>{@code
 * @RegisterExtension
 * static RespServerExtension redis = RespServerExtension.withProperties("sample.databases=4");
 *
 * @DynamicPropertySource
 * static void redisProperties(DynamicPropertyRegistry registry) {
 *     registry.add("spring.data.redis.host", redis::host);
 *     registry.add("spring.data.redis.port", redis::port);
 * }
 * }</pre>
 *
 * <p>Each test class gets a server of its own, with empty databases; the tests of a class share it, so they should
 * FLUSHALL or use keys of their own. Only the RESP server runs: no actuator, no web server.
 */
public final class RespServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private final List<String> properties;
    private ConfigurableApplicationContext context;
    private int port;

    /** A server with the sample's defaults, as {@code @ExtendWith(RespServerExtension.class)} creates it. */
    public RespServerExtension() {
        this(List.of());
    }

    private RespServerExtension(List<String> properties) {
        this.properties = properties;
    }

    /** A server with {@code sample.*} (or any Spring Boot) properties, as {@code "sample.databases=4"}. */
    public static RespServerExtension withProperties(String... properties) {
        return new RespServerExtension(List.of(properties));
    }

    /** The address the server listens on. */
    public String host() {
        return "127.0.0.1";
    }

    /** The port the server listens on; starts the server if it is not running. */
    public synchronized int port() {
        if (context == null) {
            start();
        }
        return port;
    }

    /** A {@code redis://} URI of the server, for clients configured by URI (Lettuce, Jedis). */
    public String uri() {
        return "redis://" + host() + ":" + port();
    }

    @Override
    public void beforeAll(ExtensionContext extensionContext) {
        port();
    }

    @Override
    public synchronized void afterAll(ExtensionContext extensionContext) {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == RespServerExtension.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        port();
        return this;
    }

    private void start() {
        List<String> all = new ArrayList<>(List.of(
                "sample.bind=" + host(),
                "sample.port=0",
                "spring.main.banner-mode=off",
                "spring.jmx.enabled=false",
                "management.endpoints.access.default=none"));
        all.addAll(properties);
        context = new SpringApplicationBuilder(SampleApplication.class)
                .web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new))
                .run();
        port = context.getEnvironment().getRequiredProperty("local.ioloop.resp.port", Integer.class);
    }

    @Override
    public String toString() {
        return "RespServerExtension[" + (context == null ? "stopped" : host() + ":" + port) + "]";
    }
}
