package dev.ioloop.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a startup failure caused by an {@link UnsupportedSpringBootVersionException}: the description names the
 * supported versions and the one found, the action says what to do, and Boot prints no stack trace. It uses only
 * classes that Spring Boot 3 has in the same packages, so that it works on the Boot it reports. Registered in
 * {@code META-INF/spring.factories}.
 */
public class UnsupportedSpringBootVersionFailureAnalyzer
        extends AbstractFailureAnalyzer<UnsupportedSpringBootVersionException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedSpringBootVersionException cause) {
        return new FailureAnalysis(cause.problem() + ".", cause.action(), cause);
    }
}
