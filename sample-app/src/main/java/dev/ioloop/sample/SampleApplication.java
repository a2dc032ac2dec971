package dev.ioloop.sample;

import dev.ioloop.stream.StreamOptions;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

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

    /**
     * The options of every client's stream, plain or TLS (the starter's {@code ioloop.stream.*} defaults back off):
     * the engine consumes every byte it is given (a request cut short is stashed in its session), so a stream never
     * buffers input of its own; {@code sample.read-buffer-size} is the most read per event, and
     * {@code sample.client-output-buffer-limit} the stream's write limit.
     */
    @Bean
    StreamOptions sampleStreamOptions(SampleProperties properties) {
        return StreamOptions.builder()
                .readChunkSize((int) properties.readBufferSize().toBytes())
                .maxWriteBufferSize(properties.clientOutputBufferLimit().toBytes())
                .build();
    }
}
