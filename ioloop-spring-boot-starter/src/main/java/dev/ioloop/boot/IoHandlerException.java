package dev.ioloop.boot;

/**
 * Thrown at startup when an {@link IoHandler} bean cannot be registered with the loop. It carries the bean
 * name, what is wrong and what to change; {@link IoHandlerFailureAnalyzer} turns it into Boot's failure report.
 */
public class IoHandlerException extends RuntimeException {

    private final String beanName;
    private final String problem;
    private final String action;

    /**
     * Creates an exception for one bean.
     *
     * @param beanName the name of the {@code @IoHandler} bean
     * @param problem what is wrong, for example {@code "listen URI 'ftp://x:1' has an unknown scheme 'ftp'"}
     * @param action what to change, naming the bean
     * @param cause the underlying failure, or {@code null}
     */
    public IoHandlerException(String beanName, String problem, String action, Throwable cause) {
        super("@IoHandler bean '" + beanName + "': " + problem, cause);
        this.beanName = beanName;
        this.problem = problem;
        this.action = action;
    }

    /** Returns the name of the {@code @IoHandler} bean that failed. */
    public String beanName() {
        return beanName;
    }

    /** Returns what is wrong. */
    public String problem() {
        return problem;
    }

    /** Returns what to change. */
    public String action() {
        return action;
    }
}
