package dev.ioloop;

import dev.ioloop.poller.Poller;
import dev.ioloop.poller.PollerProvider;
import dev.ioloop.poller.SelectorPoller;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.atomic.AtomicInteger;

/** A test backend, found through ServiceLoader: the selector poller, counting wakeups and polls. */
public final class CountingPollerProvider implements PollerProvider {

    static final AtomicInteger WAKEUPS = new AtomicInteger();
    static final AtomicInteger POLLS = new AtomicInteger();

    @Override
    public String name() {
        return "counting";
    }

    @Override
    public Poller open() throws IOException {
        SelectorPoller delegate = new SelectorPoller();
        return new Poller() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Key register(SelectableChannel channel, int events, Object attachment) throws IOException {
                return delegate.register(channel, events, attachment);
            }

            @Override
            public int poll(long timeoutNanos, ReadyConsumer consumer) throws IOException {
                POLLS.incrementAndGet();
                return delegate.poll(timeoutNanos, consumer);
            }

            @Override
            public void wakeup() {
                WAKEUPS.incrementAndGet();
                delegate.wakeup();
            }

            @Override
            public void close() throws IOException {
                delegate.close();
            }
        };
    }
}
