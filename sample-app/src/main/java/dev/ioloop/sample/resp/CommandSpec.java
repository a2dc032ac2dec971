package dev.ioloop.sample.resp;

import java.util.List;

/**
 * What the server knows of one command or subcommand: its name, Redis's arity convention
 * (n = exactly n arguments including the name, -n = at least n), the flags and key positions
 * COMMAND reports, and an id the engine switches on.
 */
final class CommandSpec {

    final int id;
    /** Lower-case name; {@code parent|sub} for a subcommand, as Redis's error texts use. */
    final String fullName;

    final byte[] lowerName;
    final byte[] lowerFullName;
    final int arity;
    final List<String> flags;
    final int firstKey;
    final int lastKey;
    final int keyStep;
    final List<CommandSpec> subcommands;
    final String arityError;
    /** Runs at once between MULTI and EXEC instead of being queued: MULTI, EXEC, DISCARD, WATCH and QUIT, as in Redis. */
    final boolean runsInMulti;

    CommandSpec(
            int id,
            String parent,
            String name,
            int arity,
            List<String> flags,
            int firstKey,
            int lastKey,
            int keyStep,
            List<CommandSpec> subcommands) {
        this.id = id;
        this.fullName = parent == null ? name : parent + "|" + name;
        this.lowerName = Ascii.lower(name);
        this.lowerFullName = Ascii.lower(fullName);
        this.arity = arity;
        this.flags = flags;
        this.firstKey = firstKey;
        this.lastKey = lastKey;
        this.keyStep = keyStep;
        this.subcommands = subcommands;
        this.arityError = "ERR wrong number of arguments for '" + fullName + "' command";
        this.runsInMulti = parent == null
                && List.of("multi", "exec", "discard", "watch", "quit").contains(name);
    }

    boolean arityAccepts(int argc) {
        return arity > 0 ? argc == arity : argc >= -arity;
    }

    /** The subcommand named by {@code b[off, off+len)}, ignoring case, or null. */
    CommandSpec subcommand(byte[] b, int off, int len) {
        for (CommandSpec s : subcommands) {
            if (Ascii.equalsIgnoreCase(b, off, len, s.lowerName)) {
                return s;
            }
        }
        return null;
    }
}
