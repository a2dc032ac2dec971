package dev.ioloop.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A Redis-protocol (RESP2) key/value server on the ioloop starter: one {@code @IoHandler} acceptor, every
 * connection handled by the loop thread alone. Talk to it with {@code redis-cli -p 6380}.
 */
@SpringBootApplication
@EnableConfigurationProperties(SampleProperties.class)
public class SampleApplication {

    /**
     * Starts the server.
     *
     * @param args Spring Boot arguments, for example {@code --sample.port=6390}
     */
    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
