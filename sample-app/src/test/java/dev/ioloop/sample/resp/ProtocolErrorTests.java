package dev.ioloop.sample.resp;

import static dev.ioloop.sample.resp.RespWire.command;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ProtocolErrorTests {

    private final EngineHarness h = new EngineHarness();

    private void assertClosedWith(String request, String error) {
        EngineHarness fresh = new EngineHarness();
        assertThat(fresh.send(request)).isEqualTo("-ERR Protocol error: " + error + "\r\n");
        assertThat(fresh.session.closeRequested()).isTrue();
        assertThat(fresh.session.protocolError()).isTrue();
        assertThat(fresh.session.stashedBytes()).isZero();
    }

    @Test
    void aNonNumericMultibulkLengthIsInvalid() {
        assertClosedWith("*x\r\n", "invalid multibulk length");
        assertClosedWith("*01\r\n$4\r\nPING\r\n", "invalid multibulk length");
        assertClosedWith("*+1\r\n", "invalid multibulk length");
        assertClosedWith("*\r\n", "invalid multibulk length");
    }

    @Test
    void aMultibulkLengthAboveTheLimitIsInvalid() {
        assertClosedWith("*100000000\r\n", "invalid multibulk length");
        assertClosedWith("*1048577\r\n", "invalid multibulk length");
        assertClosedWith("*99999999999999999999999\r\n", "invalid multibulk length");
    }

    @Test
    void aBulkLengthThatIsNegativeMalformedOrAboveTheLimitIsInvalid() {
        assertClosedWith("*1\r\n$-1\r\n", "invalid bulk length");
        assertClosedWith("*1\r\n$abc\r\n", "invalid bulk length");
        assertClosedWith("*1\r\n$2147483648\r\n", "invalid bulk length");
        assertClosedWith("*1\r\n$536870913\r\n", "invalid bulk length");
    }

    @Test
    void anElementThatIsNotABulkStringIsRejectedNamingTheByte() {
        assertClosedWith("*1\r\n:1\r\n", "expected '$', got ':'");
        assertClosedWith("*2\r\n$4\r\nECHO\r\nhello\r\n", "expected '$', got 'h'");
    }

    @Test
    void aControlByteInTheErrorTextIsReplacedSoTheReplyStaysOneLine() {
        assertClosedWith("*1\r\n\r\n", "expected '$', got ' '");
    }

    @Test
    void headerLinesLongerThanTheInlineLimitAreRefused() {
        EngineHarness small = new EngineHarness(new RespLimits(1024, 1024, 16), InfoSource.none(), false);
        assertThat(small.send("*" + "1".repeat(20))).isEqualTo("-ERR Protocol error: too big mbulk count string\r\n");
        EngineHarness other = new EngineHarness(new RespLimits(1024, 1024, 16), InfoSource.none(), false);
        assertThat(other.send("*1\r\n$" + "1".repeat(20)))
                .isEqualTo("-ERR Protocol error: too big bulk count string\r\n");
        assertThat(other.session.closeRequested()).isTrue();
    }

    @Test
    @Timeout(5)
    void aTwoGigabyteBulkHeaderIsRefusedBeforeAnythingIsAllocated() {
        long before = usedMemory();
        assertThat(h.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2147483647\r\n"))
                .isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        assertThat(h.session.stashCapacity()).isLessThanOrEqualTo(RespSession.RETAINED_STASH);
        assertThat(usedMemory() - before).isLessThan(64L * 1024 * 1024);
    }

    @Test
    @Timeout(5)
    void aHugeElementCountIsRefusedBeforeAnythingIsAllocated() {
        assertThat(h.send("*100000000\r\n$3\r\nGET\r\n"))
                .isEqualTo("-ERR Protocol error: invalid multibulk length\r\n");
        assertThat(h.session.stashCapacity()).isLessThanOrEqualTo(RespSession.RETAINED_STASH);
    }

    @Test
    void anAnnouncedButUnsentBulkHoldsOnlyTheBytesReceived() {
        EngineHarness limited =
                new EngineHarness(new RespLimits(100 * 1024 * 1024, 1024, 1024), InfoSource.none(), false);
        assertThat(limited.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\nabc"))
                .isEmpty();
        assertThat(limited.session.stashCapacity()).isLessThan(1024);
        assertThat(limited.session.closeRequested()).isFalse();
    }

    @Test
    void commandsBeforeTheMalformedOneRunAndInputAfterItIsIgnored() {
        String reply = h.send(command("SET", "a", "1") + "*1\r\n:x\r\n" + command("SET", "b", "2"));
        assertThat(reply).isEqualTo("+OK\r\n-ERR Protocol error: expected '$', got ':'\r\n");
        assertThat(h.keyspace.size()).isEqualTo(1);
        assertThat(h.send(command("PING"))).isEmpty();
    }

    @Test
    void aProtocolErrorInsideAStashedRequestIsReportedWhenItsBytesArrive() {
        assertThat(h.send("*2\r\n$4\r\nECHO\r\n")).isEmpty();
        assertThat(h.session.stashedBytes()).isPositive();
        assertThat(h.send("+5\r\nhello\r\n")).isEqualTo("-ERR Protocol error: expected '$', got '+'\r\n");
        assertThat(h.session.closeRequested()).isTrue();
        assertThat(h.session.stashedBytes()).isZero();
    }

    @Test
    void quitRepliesOkAndDropsTheRestOfThePipeline() {
        assertThat(h.send(command("PING") + command("QUIT") + command("SET", "a", "1")))
                .isEqualTo("+PONG\r\n+OK\r\n");
        assertThat(h.session.closeRequested()).isTrue();
        assertThat(h.session.protocolError()).isFalse();
        assertThat(h.keyspace.size()).isZero();
        assertThat(h.send(command("PING"))).isEmpty();
    }

    @Test
    void quitCompletedFromTheStashDropsTheRestOfTheRead() {
        assertThat(h.send("*1\r\n$4\r\nQU")).isEmpty();
        assertThat(h.send("IT\r\n" + command("SET", "a", "1"))).isEqualTo("+OK\r\n");
        assertThat(h.keyspace.size()).isZero();
    }

    private static long usedMemory() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
