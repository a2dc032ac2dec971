package dev.ioloop.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a startup failure caused by an {@link IoHandlerException}: the description names the bean and what
 * is wrong with it, the action says what to change. Registered in {@code META-INF/spring.factories}.
 */
public class IoHandlerFailureAnalyzer extends AbstractFailureAnalyzer<IoHandlerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IoHandlerException cause) {
        String description = "The @IoHandler bean '" + cause.beanName() + "' could not be registered with the IOLoop: "
                + cause.problem()
                + (cause.getCause() != null ? " (" + cause.getCause() + ")" : "");
        return new FailureAnalysis(description, cause.action(), cause);
    }
}
