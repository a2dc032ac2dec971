package dev.ioloop.boot;

/**
 * Thrown at startup by {@link SpringBootVersionCheck} when the application runs a Spring Boot this starter does not
 * support. Its message is one line: the versions supported, the version found and what to do, for example
 * <pre>
 * ioloop-spring-boot-starter supports Spring Boot 4.0.x and 4.1.x, but this application runs Spring Boot 3.5.7:
 * use Spring Boot 4.0.x or 4.1.x, or remove the ioloop-spring-boot-starter dependency.
 * </pre>
 * (one line, wrapped here). {@link UnsupportedSpringBootVersionFailureAnalyzer} turns it into Boot's failure report.
 */
public class UnsupportedSpringBootVersionException extends IllegalStateException {

    private static final String ACTION =
            "Use Spring Boot 4.0.x or 4.1.x, or remove the ioloop-spring-boot-starter dependency.";

    private final String version;

    /**
     * Creates the exception for the version found.
     *
     * @param version the Spring Boot version the application runs, for example {@code "3.5.7"}
     */
    public UnsupportedSpringBootVersionException(String version) {
        super(problem(version) + ": " + uncapitalize(ACTION));
        this.version = version;
    }

    /** Returns the Spring Boot version the application runs. */
    public String version() {
        return version;
    }

    /** Returns what is wrong: the versions supported and the one found. */
    public String problem() {
        return problem(version);
    }

    /** Returns what to do. */
    public String action() {
        return ACTION;
    }

    private static String problem(String version) {
        return "ioloop-spring-boot-starter supports " + SpringBootVersionCheck.SUPPORTED
                + ", but this application runs Spring Boot " + version;
    }

    private static String uncapitalize(String sentence) {
        return Character.toLowerCase(sentence.charAt(0)) + sentence.substring(1);
    }
}
