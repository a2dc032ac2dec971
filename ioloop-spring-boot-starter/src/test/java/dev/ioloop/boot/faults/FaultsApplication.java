package dev.ioloop.boot.faults;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An application whose one {@code @IoHandler} ({@link FaultyServer}) misbehaves on request, to show what the
 * starter and the loop do about it through the parts a user sees: logs, metrics and health over HTTP.
 */
@SpringBootApplication
public class FaultsApplication {}
