package dev.ioloop.poller;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * The default backend: a JDK {@link Selector}, which is epoll on Linux, kqueue on macOS and whatever the JDK
 * picks elsewhere. Its {@link #name()} is {@code "selector"}.
 *
 * <p>Mapping of the loop's events to selection operations, per channel:
 * <ul>
 *   <li>{@code READ}: {@code OP_ACCEPT} on a channel that accepts (a server socket), else {@code OP_READ};</li>
 *   <li>{@code WRITE}: {@code OP_CONNECT} on a {@link SocketChannel} whose connection is pending (ready means
 *       {@code finishConnect()} can be called), else {@code OP_WRITE}. Once a poll has reported such a channel
 *       and {@code finishConnect()} has succeeded, the registration switches to {@code OP_WRITE} by itself
 *       before the next poll;</li>
 *   <li>{@code ERROR}: the JDK reports no error or hang-up readiness, so this poller never reports
 *       {@code ERROR}. A hang-up or reset shows up as readiness for what the channel is watched for: as
 *       {@code READ}, where the read returns -1 or throws, and as {@code WRITE} if it is watched.</li>
 * </ul>
 *
 * <p>Polling uses {@link Selector#select(Consumer, long)}, so no selected-key set is filled and nothing is
 * allocated per poll.
 */
public final class SelectorPoller implements Poller {

    /** This backend's name. */
    public static final String NAME = "selector";

    private static final Consumer<SelectionKey> DISCARD = key -> { };

    private final Selector selector;
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private ReadyConsumer consumer;
    private int reported;
    // Keys that reported OP_CONNECT: once connected their interest must become OP_WRITE, or the selector would
    // wake for POLLOUT forever without a ready operation to report.
    private SelectorKey[] connecting = new SelectorKey[4];
    private int connectingCount;

    /**
     * Opens a poller on the platform's default selector.
     *
     * @throws IOException if the selector cannot be opened
     */
    public SelectorPoller() throws IOException {
        this.selector = Selector.open();
    }

    static PollerProvider provider() {
        return new PollerProvider() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public Poller open() throws IOException {
                return new SelectorPoller();
            }
        };
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Key register(SelectableChannel channel, int events, Object attachment) throws IOException {
        SelectionKey stale = channel.keyFor(selector);
        if (stale != null && !stale.isValid()) {
            // A channel cancelled and registered again before the next select would throw
            // CancelledKeyException: flush cancelled keys first. Readiness is level-triggered, so events this
            // discards are reported again by the next poll.
            selector.selectNow(DISCARD);
        }
        SelectorKey key = new SelectorKey(attachment, events);
        key.selectionKey = channel.register(selector, nioOps(channel, events), key);
        return key;
    }

    @Override
    public int poll(long timeoutNanos, ReadyConsumer consumer) throws IOException {
        refreshConnecting();
        this.consumer = consumer;
        this.reported = 0;
        try {
            if (timeoutNanos == 0) {
                selector.selectNow(onSelected);
            } else if (timeoutNanos < 0) {
                selector.select(onSelected);
            } else {
                // Round up: a positive wait rounded down to 0 would mean "forever" to select(long).
                selector.select(onSelected, Math.max(1, (timeoutNanos + 999_999) / 1_000_000));
            }
        } finally {
            this.consumer = null;
        }
        return reported;
    }

    private void onSelected(SelectionKey selectionKey) {
        SelectorKey key = (SelectorKey) selectionKey.attachment();
        int ops;
        try {
            ops = selectionKey.readyOps();
        } catch (CancelledKeyException e) {
            return;
        }
        int events = 0;
        if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            events |= READ;
        }
        if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            events |= WRITE;
        }
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            addConnecting(key);
        }
        events &= key.interest;
        if (events != 0) {
            reported++;
            consumer.ready(key.attachment, events);
        }
    }

    private void addConnecting(SelectorKey key) {
        if (connectingCount == connecting.length) {
            connecting = java.util.Arrays.copyOf(connecting, connectingCount * 2);
        }
        connecting[connectingCount++] = key;
    }

    private void refreshConnecting() {
        for (int i = 0; i < connectingCount; i++) {
            SelectorKey key = connecting[i];
            connecting[i] = null;
            if (key.isValid()) {
                key.interest(key.interest);
            }
        }
        connectingCount = 0;
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }

    @Override
    public String toString() {
        return "SelectorPoller[" + selector.provider().getClass().getSimpleName() + "]";
    }

    static int nioOps(SelectableChannel channel, int events) {
        int valid = channel.validOps();
        int ops = 0;
        if ((events & READ) != 0) {
            ops |= (valid & SelectionKey.OP_ACCEPT) != 0 ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        }
        if ((events & WRITE) != 0) {
            ops |= channel instanceof SocketChannel socket && socket.isConnectionPending()
                    ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
        }
        return ops;
    }

    private static final class SelectorKey implements Key {
        final Object attachment;
        int interest;
        SelectionKey selectionKey;

        SelectorKey(Object attachment, int interest) {
            this.attachment = attachment;
            this.interest = interest;
        }

        @Override
        public SelectableChannel channel() {
            return selectionKey.channel();
        }

        @Override
        public int interest() {
            return interest;
        }

        @Override
        public void interest(int events) {
            interest = events;
            try {
                selectionKey.interestOps(nioOps(selectionKey.channel(), events));
            } catch (CancelledKeyException e) {
                // The channel was closed: it will never be ready again, nothing to change.
            }
        }

        @Override
        public boolean isValid() {
            return selectionKey.isValid();
        }

        @Override
        public void cancel() {
            selectionKey.cancel();
        }
    }
}
