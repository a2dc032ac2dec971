/**
 * Health contributor {@code ioloop}.
 */
package dev.ioloop.boot.health;
