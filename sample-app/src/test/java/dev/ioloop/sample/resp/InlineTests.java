package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InlineTests {

    private final EngineHarness h = new EngineHarness();

    @Test
    void inlineCommandsEndWithCrlfOrABareNewline() {
        assertThat(h.send("PING\r\nset a 1\nGET a\r\n")).isEqualTo("+PONG\r\n+OK\r\n$1\r\n1\r\n");
    }

    @Test
    void blanksOfAnyKindSeparateInlineArguments() {
        assertThat(h.send("  SET \t a   \u000b b \f\r\n")).isEqualTo("+OK\r\n");
        assertThat(h.send("GET a\n")).isEqualTo("$1\r\nb\r\n");
    }

    @Test
    void doubleQuotesKeepBlanksAndUnderstandEscapes() {
        h.send("SET k \"hello world\\n\\t\\x41\\x7a\\\"q\\\\\"\r\n");
        assertThat(h.send("GET k\r\n")).isEqualTo("$18\r\nhello world\n\tAz\"q\\\r\n");
    }

    @Test
    void singleQuotesAreLiteralExceptForAnEscapedSingleQuote() {
        h.send("SET k 'it\\'s \\n raw'\r\n");
        assertThat(h.send("GET k\r\n")).isEqualTo("$11\r\nit's \\n raw\r\n");
    }

    @Test
    void aQuoteInsideAWordStartsAQuotedPartOfThatWord() {
        h.send("SET k ab\"c d\" \r\n");
        assertThat(h.send("GET k\r\n")).isEqualTo("$5\r\nabc d\r\n");
    }

    @Test
    void emptyQuotedStringsAreEmptyArguments() {
        assertThat(h.send("SET \"\" ''\r\n")).isEqualTo("+OK\r\n");
        assertThat(h.send("STRLEN \"\"\r\n")).isEqualTo(":0\r\n");
    }

    @Test
    void unterminatedDoubleQuotesAreAProtocolError() {
        assertThat(h.send("SET k \"abc\r\n")).isEqualTo("-ERR Protocol error: unbalanced quotes in request\r\n");
        assertThat(h.session.closeRequested()).isTrue();
        assertThat(h.session.protocolError()).isTrue();
    }

    @Test
    void unterminatedSingleQuotesAreAProtocolError() {
        assertThat(h.send("SET k 'abc\n")).isEqualTo("-ERR Protocol error: unbalanced quotes in request\r\n");
        assertThat(h.session.closeRequested()).isTrue();
    }

    @Test
    void aClosingQuoteFollowedByAWordCharacterIsUnbalanced() {
        assertThat(h.send("SET \"k\"x v\r\n")).isEqualTo("-ERR Protocol error: unbalanced quotes in request\r\n");
    }

    @Test
    void anInlineLineLongerThanTheLimitWithoutNewlineIsRefused() {
        EngineHarness small = new EngineHarness(new RespLimits(1024, 1024, 100), InfoSource.none(), false);
        assertThat(small.send("SET k " + "x".repeat(90))).isEmpty();
        assertThat(small.send("x".repeat(10))).isEqualTo("-ERR Protocol error: too big inline request\r\n");
        assertThat(small.session.closeRequested()).isTrue();
        assertThat(small.session.stashedBytes()).isZero();
    }

    @Test
    void aLongInlineLineIsAcceptedOnceItsNewlineHasArrivedWithinTheLimit() {
        EngineHarness small = new EngineHarness(new RespLimits(1024, 1024, 100), InfoSource.none(), false);
        assertThat(small.send("ECHO " + "y".repeat(50))).isEmpty();
        assertThat(small.send("y".repeat(40) + "\r\n")).isEqualTo("$90\r\n" + "y".repeat(90) + "\r\n");
    }
}
