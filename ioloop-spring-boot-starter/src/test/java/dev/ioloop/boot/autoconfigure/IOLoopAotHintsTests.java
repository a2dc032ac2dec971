package dev.ioloop.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ioloop.IOLoop;
import dev.ioloop.boot.IoHandlerFailureAnalyzer;
import dev.ioloop.boot.SpringBootVersionCheck;
import dev.ioloop.boot.actuate.IOLoopEndpoint;
import dev.ioloop.boot.sample.EchoServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.javapoet.ClassName;

/**
 * Every reflective access the starter makes at run time is covered by the hints Spring AOT writes for an application
 * that uses it, which is why the starter ships no {@code RuntimeHintsRegistrar} of its own. The context (the
 * starter's auto-configurations, the endpoint exposed, an {@code @IoHandler} bean) is processed once by
 * {@link ApplicationContextAotGenerator}, as {@code process-aot} does, and each test checks the resulting
 * {@link RuntimeHints} with {@link RuntimeHintsPredicates}. Should one fail after a change, that change needs hints
 * of the starter's own (the starter's README, "Spring AOT and native images", lists what each one covers).
 */
@Timeout(60)
class IOLoopAotHintsTests {

    private static RuntimeHints hints;

    @BeforeAll
    static void processAheadOfTime() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        IOLoopAutoConfiguration.class,
                        EndpointAutoConfiguration.class,
                        IOLoopEndpointAutoConfiguration.class))
                .withUserConfiguration(EchoServer.class)
                .withPropertyValues("management.endpoints.web.exposure.include=ioloop")
                .prepare(context -> {
                    DefaultGenerationContext generation = new DefaultGenerationContext(
                            new ClassNameGenerator(ClassName.get(IOLoopAotHintsTests.class)),
                            new InMemoryGeneratedFiles());
                    new ApplicationContextAotGenerator()
                            .processAheadOfTime(
                                    (GenericApplicationContext) context.getSourceApplicationContext(), generation);
                    hints = generation.getRuntimeHints();
                });
    }

    @Test
    void ioHandlerBeanTypeIsRegisteredSoItsAnnotationAndChannelTypeCanBeRead() {
        // The registrar reads @IoHandler with findAnnotationOnBean and resolves FdHandler<X> from the bean's class.
        assertThat(RuntimeHintsPredicates.reflection().onType(EchoServer.class)).accepts(hints);
    }

    @Test
    void configurationPropertiesAreBoundThroughTheirConstructors() {
        for (Class<?> type : new Class<?>[] {
            IOLoopProperties.class, IOLoopStreamProperties.class, IOLoopStreamProperties.WriteWaterMarks.class
        }) {
            assertThat(RuntimeHintsPredicates.reflection().onConstructorInvocation(type.getDeclaredConstructors()[0]))
                    .as(type.getName())
                    .accepts(hints);
        }
    }

    @Test
    void endpointOperationIsInvocableAndItsResultCanBeWrittenAsJson() {
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(IOLoopEndpoint.class, "loop"))
                .accepts(hints);
        for (Class<?> type : new Class<?>[] {
            IOLoopEndpoint.LoopDescriptor.class, IOLoopEndpoint.HandlerDescriptor.class, IOLoopEndpoint.Counters.class
        }) {
            assertThat(RuntimeHintsPredicates.reflection()
                            .onType(type)
                            .withMemberCategory(MemberCategory.ACCESS_DECLARED_FIELDS))
                    .as(type.getName())
                    .accepts(hints);
        }
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(IOLoopEndpoint.LoopDescriptor.class, "name"))
                .accepts(hints);
    }

    @Test
    void springFactoriesEntriesCanBeInstantiated() {
        // The failure analyzer and the version check are loaded from META-INF/spring.factories at run time.
        assertThat(RuntimeHintsPredicates.resource().forResource("META-INF/spring.factories"))
                .accepts(hints);
        for (Class<?> type : new Class<?>[] {IoHandlerFailureAnalyzer.class, SpringBootVersionCheck.class}) {
            assertThat(RuntimeHintsPredicates.reflection()
                            .onType(type)
                            .withMemberCategory(MemberCategory.INVOKE_DECLARED_CONSTRUCTORS))
                    .as(type.getName())
                    .accepts(hints);
        }
    }

    @Test
    void loopIsClosedThroughItsInferredDestroyMethod() throws NoSuchMethodException {
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(IOLoop.class.getMethod("close")))
                .accepts(hints);
    }
}
