package dev.ioloop.poller;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The default backend: a JDK {@link Selector}, which is epoll on Linux, kqueue on macOS and whatever the JDK
 * picks elsewhere. Its {@link #name()} is {@code "selector"}.
 *
 * <p>Mapping of the loop's events to selection operations, per channel:
 * <ul>
 *   <li>{@code READ}: {@code OP_ACCEPT} on a channel that accepts (a server socket), else {@code OP_READ};</li>
 *   <li>{@code WRITE}: {@code OP_CONNECT} on a {@link SocketChannel} whose connection is pending (ready means
 *       {@code finishConnect()} can be called), else {@code OP_WRITE}. The operation follows the socket's
 *       state: before each poll, every socket watched for {@code WRITE} that is not connected yet is checked,
 *       and switches to {@code OP_CONNECT} once {@code connect()} has been called and to {@code OP_WRITE} once
 *       {@code finishConnect()} has succeeded, wherever it was called (in a handler, a callback, a timeout, or
 *       before the loop ran) and whether or not a poll reported the socket connectable first;</li>
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

    private static final Consumer<SelectionKey> DISCARD = key -> {};

    private final Selector selector;
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private ReadyConsumer consumer;
    private int reported;
    // Keys watched for WRITE on a socket not connected yet: their operation must follow the socket's state
    // (OP_WRITE -> OP_CONNECT -> OP_WRITE), or the selector wakes for POLLOUT at once, again and again, without a
    // ready operation to report. Checked before each poll; usually empty.
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
        SelectorKey key = new SelectorKey(this, attachment, events);
        key.selectionKey = channel.register(selector, nioOps(channel, events), key);
        watchIfConnecting(key);
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
        events &= key.interest;
        if (events != 0) {
            reported++;
            consumer.ready(key.attachment, events);
        }
    }

    /** Watches {@code key} until its socket is connected, if it is watched for WRITE on an unconnected socket. */
    private void watchIfConnecting(SelectorKey key) {
        if (!key.watched && needsWatch(key)) {
            if (connectingCount == connecting.length) {
                connecting = Arrays.copyOf(connecting, connectingCount * 2);
            }
            connecting[connectingCount++] = key;
            key.watched = true;
        }
    }

    private static boolean needsWatch(SelectorKey key) {
        return (key.interest & WRITE) != 0
                && key.selectionKey.isValid()
                && key.selectionKey.channel() instanceof SocketChannel socket
                && !socket.isConnected();
    }

    /** Brings each watched key's operations in line with its socket's state; drops those that need no watch. */
    private void refreshConnecting() {
        for (int i = connectingCount - 1; i >= 0; i--) {
            SelectorKey key = connecting[i];
            key.applyInterest();
            if (!needsWatch(key)) {
                key.watched = false;
                connecting[i] = connecting[--connectingCount];
                connecting[connectingCount] = null;
            }
        }
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
                    ? SelectionKey.OP_CONNECT
                    : SelectionKey.OP_WRITE;
        }
        return ops;
    }

    private static final class SelectorKey implements Key {
        final SelectorPoller poller;
        final Object attachment;
        int interest;
        SelectionKey selectionKey;
        boolean watched; // in the poller's connecting list

        SelectorKey(SelectorPoller poller, Object attachment, int interest) {
            this.poller = poller;
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
            applyInterest();
            poller.watchIfConnecting(this);
        }

        /** Sets the selection operations for the interest and the channel's current state. */
        void applyInterest() {
            try {
                int ops = nioOps(selectionKey.channel(), interest);
                if (selectionKey.interestOps() != ops) {
                    selectionKey.interestOps(ops);
                }
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
