/**
 * Auto-configuration of the IOLoop, one class per optional feature: the loop itself, its metrics, its health
 * contributor and its actuator endpoint; {@link dev.ioloop.boot.autoconfigure.IOLoopProperties} binds
 * {@code ioloop.*}.
 */
package dev.ioloop.boot.autoconfigure;
