/**
 * Servers and clients on the loop, above {@link dev.ioloop.stream.IOStream}: Tornado's {@code tcpserver},
 * {@code tcpclient} and {@code netutil}.
 *
 * <ul>
 *   <li>{@link dev.ioloop.net.TCPServer} accepts connections and hands each, as a stream, to a
 *       {@link dev.ioloop.net.StreamHandler}.</li>
 *   <li>{@link dev.ioloop.net.TCPClient} connects by host name, resolving it off the loop thread.</li>
 *   <li>{@link dev.ioloop.net.NetUtil} binds listening sockets and runs the accept loop, for servers that want the
 *       raw channels.</li>
 * </ul>
 *
 * <p>Threading follows {@link dev.ioloop.IOLoop#addHandler}: call on the loop's thread, or before the loop starts.
 */
package dev.ioloop.net;
