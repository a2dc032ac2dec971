package dev.ioloop.sample.resp;

/**
 * Redis's glob matcher ({@code stringmatchlen} in util.c), byte for byte, as used by KEYS and
 * CONFIG GET: {@code *}, {@code ?}, {@code [abc]}, {@code [^a]}, {@code [a-z]} (reversed ranges
 * allowed), and {@code \x} to match x literally. An unterminated {@code [} matches like Redis does,
 * and the same nesting cap keeps a pattern of many stars from recursing without bound.
 */
final class Glob {

    private static final int MAX_NESTING = 1000;

    private Glob() {}

    /** Whether the whole of {@code s[soff, soff+slen)} matches {@code p[poff, poff+plen)}. */
    static boolean matches(byte[] p, int poff, int plen, byte[] s, int soff, int slen, boolean nocase) {
        return match(p, poff, plen, s, soff, slen, nocase, new boolean[1], 0);
    }

    static boolean matches(String pattern, String s, boolean nocase) {
        byte[] p = pattern.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return matches(p, 0, p.length, b, 0, b.length, nocase);
    }

    // skipLonger[0] is Redis's skipLongerMatches: once the rest of the pattern failed against every
    // suffix, trying an earlier star on longer substrings cannot succeed either.
    private static boolean match(
            byte[] p, int pi, int plen, byte[] s, int si, int slen, boolean nocase, boolean[] skipLonger, int nesting) {
        if (nesting > MAX_NESTING) {
            return false;
        }
        while (plen > 0 && slen > 0) {
            switch (p[pi]) {
                case '*': {
                    while (plen > 1 && p[pi + 1] == '*') {
                        pi++;
                        plen--;
                    }
                    if (plen == 1) {
                        return true;
                    }
                    while (slen > 0) {
                        if (match(p, pi + 1, plen - 1, s, si, slen, nocase, skipLonger, nesting + 1)) {
                            return true;
                        }
                        if (skipLonger[0]) {
                            return false;
                        }
                        si++;
                        slen--;
                    }
                    skipLonger[0] = true;
                    return false;
                }
                case '?':
                    si++;
                    slen--;
                    break;
                case '[': {
                    pi++;
                    plen--;
                    boolean not = plen > 0 && p[pi] == '^';
                    if (not) {
                        pi++;
                        plen--;
                    }
                    boolean match = false;
                    while (true) {
                        if (plen == 0) {
                            // Unterminated class: step back so the shared advance below ends the pattern.
                            pi--;
                            plen++;
                            break;
                        } else if (p[pi] == '\\' && plen >= 2) {
                            pi++;
                            plen--;
                            if (p[pi] == s[si]) {
                                match = true;
                            }
                        } else if (p[pi] == ']') {
                            break;
                        } else if (plen >= 3 && p[pi + 1] == '-') {
                            int start = p[pi];
                            int end = p[pi + 2];
                            int c = s[si];
                            if (start > end) {
                                int t = start;
                                start = end;
                                end = t;
                            }
                            if (nocase) {
                                start = lower(start);
                                end = lower(end);
                                c = lower(c);
                            }
                            pi += 2;
                            plen -= 2;
                            if (c >= start && c <= end) {
                                match = true;
                            }
                        } else if (nocase ? lower(p[pi]) == lower(s[si]) : p[pi] == s[si]) {
                            match = true;
                        }
                        pi++;
                        plen--;
                    }
                    if (not) {
                        match = !match;
                    }
                    if (!match) {
                        return false;
                    }
                    si++;
                    slen--;
                    break;
                }
                case '\\':
                    if (plen >= 2) {
                        pi++;
                        plen--;
                    }
                // fall through: the escaped byte matches literally
                default:
                    if (nocase ? lower(p[pi]) != lower(s[si]) : p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                    slen--;
                    break;
            }
            pi++;
            plen--;
            if (slen == 0) {
                while (plen > 0 && p[pi] == '*') {
                    pi++;
                    plen--;
                }
                break;
            }
        }
        return plen == 0 && slen == 0;
    }

    private static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }
}
