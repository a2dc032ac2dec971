/**
 * Micrometer meters of the IOLoop ({@code ioloop.*}).
 */
package dev.ioloop.boot.metrics;
