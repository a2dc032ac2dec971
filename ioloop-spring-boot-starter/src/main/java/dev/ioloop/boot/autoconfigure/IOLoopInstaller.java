package dev.ioloop.boot.autoconfigure;

import dev.ioloop.IOLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Makes the starter's loop the global {@link IOLoop#instance()} while the context lives, and forgets it when
 * the context closes, but only if it is still the installed one. The loop bean depends on this bean, so this
 * runs on every close, also after a failed startup.
 */
final class IOLoopInstaller implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(IOLoopInstaller.class);

    private volatile IOLoop installed;

    IOLoop install(IOLoop loop) {
        try {
            loop.install();
            installed = loop;
        } catch (IllegalStateException e) {
            log.warn(
                    "Not installing IOLoop '{}' as IOLoop.instance(): {}. IOLoop.current() outside the loop thread "
                            + "returns the other loop.",
                    loop.name(),
                    e.getMessage());
        }
        return loop;
    }

    @Override
    public void destroy() {
        IOLoop loop = installed;
        if (loop != null) {
            IOLoop.clearInstance(loop); // only if still ours: another context may have installed its own since
        }
        installed = null;
    }
}
