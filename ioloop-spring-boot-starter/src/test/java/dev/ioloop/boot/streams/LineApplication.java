package dev.ioloop.boot.streams;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A small application on the starter whose protocol is written on streams: the {@link UpperCaseLineServer}. */
@SpringBootApplication
public class LineApplication {

    public static void main(String[] args) {
        SpringApplication.run(LineApplication.class, args);
    }
}
