package dev.ioloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The rate limit behind the default error log, driven with explicit times. */
class LogLimiterTests {

    private static final long QUIET = 10_000;

    private final LogLimiter limiter = new LogLimiter(QUIET);

    @Test
    void theFirstEventOfAKindIsWrittenAndRepeatsWithinTheQuietTimeAreHeldBack() {
        assertThat(limiter.admit(String.class, IOException.class, 0)).isZero();
        for (int i = 1; i <= 999; i++) {
            assertThat(limiter.admit(String.class, IOException.class, i)).isEqualTo(-1);
        }
        assertThat(limiter.admit(String.class, IOException.class, QUIET - 1)).isEqualTo(-1);
        assertThat(limiter.admit(String.class, IOException.class, QUIET))
                .as("the next one written carries the count held back")
                .isEqualTo(1000);
        assertThat(limiter.admit(String.class, IOException.class, QUIET + 1)).isEqualTo(-1);
        assertThat(limiter.admit(String.class, IOException.class, 3 * QUIET)).isEqualTo(1);
    }

    @Test
    void kindsAreLimitedSeparatelySoAlternatingFailuresAreEachWrittenOnce() {
        for (int i = 0; i < 100; i++) {
            long a = limiter.admit(String.class, IOException.class, i);
            long b = limiter.admit(Integer.class, IOException.class, i);
            long c = limiter.admit(String.class, IllegalStateException.class, i);
            if (i == 0) {
                assertThat(new long[] {a, b, c}).containsOnly(0);
            } else {
                assertThat(new long[] {a, b, c}).containsOnly(-1);
            }
        }
    }

    @Test
    void everNewKindsAreRememberedOnlyUpToTheBoundAndAreAllWritten() {
        Class<?>[] kinds = {
            String.class,
            Integer.class,
            Long.class,
            Short.class,
            Byte.class,
            Double.class,
            Float.class,
            Character.class,
            Boolean.class,
            Object.class
        };
        // 10 x 10 kinds > MAX_KINDS: the oldest are forgotten, so each is written when it comes back.
        int written = 0;
        for (int round = 0; round < 2; round++) {
            for (Class<?> a : kinds) {
                for (Class<?> b : kinds) {
                    if (limiter.admit(a, b, round) >= 0) {
                        written++;
                    }
                }
            }
        }
        assertThat(LogLimiter.MAX_KINDS).isLessThan(100);
        assertThat(written).isEqualTo(200);
    }

    @Test
    void aNegativeQuietTimeIsRejectedWithTheValue() {
        assertThatThrownBy(() -> new LogLimiter(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
    }
}
