/**
 * Actuator endpoint {@code ioloop}.
 */
package dev.ioloop.boot.actuate;
