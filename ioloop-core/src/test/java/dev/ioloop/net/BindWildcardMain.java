package dev.ioloop.net;

import java.nio.channels.ServerSocketChannel;

/** Run in a child JVM by {@link NetUtilBindTests}: binds the wildcard on a free port and prints each address. */
public final class BindWildcardMain {

    private BindWildcardMain() {}

    public static void main(String[] args) throws Exception {
        for (ServerSocketChannel s : NetUtil.bindSockets(0, null, 16, false)) {
            System.out.println(s.getLocalAddress());
            s.close();
        }
    }
}
