package dev.ioloop.sample;

/**
 * {@link RespShutdownUnderLoadTests} with {@code sample.loops=2}: half the clients are served by the second loop and
 * hop to the first, which owns the keyspace, with every batch. The starter's drain must cover both loops: every
 * command executed has its reply delivered whole, replies still on their way back from the first loop included.
 */
class RespShutdownUnderLoadTwoLoopsTests extends RespShutdownUnderLoadTests {

    @Override
    int loops() {
        return 2;
    }
}
