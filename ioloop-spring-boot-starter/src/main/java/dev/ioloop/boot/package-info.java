/**
 * The starter's programming model: {@link dev.ioloop.boot.IoHandler} beans, the
 * {@link dev.ioloop.boot.IoHandlerRegistrar} that registers them with the loop, and the
 * {@link dev.ioloop.boot.IOLoopLifecycle} that runs the loop on its own thread.
 */
package dev.ioloop.boot;
