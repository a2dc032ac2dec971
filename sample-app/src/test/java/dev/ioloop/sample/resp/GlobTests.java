package dev.ioloop.sample.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobTests {

    @ParameterizedTest(name = "''{0}'' matches ''{1}''")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "*|anything",
                "a*|a",
                "a*b|ab",
                "a*b|axxxb",
                "*a*b*|xxaxxbxx",
                "a**b|ab",
                "?|x",
                "h?llo|hello",
                "h[ae]llo|hallo",
                "h[^e]llo|hallo",
                "h[a-c]llo|hbllo",
                "h[c-a]llo|hbllo",
                "[\\]]|]",
                "[a\\-z]|-",
                "\\*|*",
                "\\?x|?x",
                "h\\llo|hllo",
                "[abc|b",
                "ab\\|ab\\",
            })
    void patternsMatch(String pattern, String s) {
        assertThat(Glob.matches(pattern, s, false)).isTrue();
    }

    // As in Redis, a pattern is only tried while the string has bytes left: even "*" fails on "".
    @ParameterizedTest(name = "''{0}'' does not match ''{1}''")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "a|b",
                "a|aa",
                "a*b|ac",
                "?|\"\"",
                "*|\"\"",
                "ab\\|ab",
                "?|xy",
                "h[ae]llo|hillo",
                "h[^e]llo|hello",
                "h[a-c]llo|hdllo",
                "\\*|x",
                "[a\\-z]|b",
                "abc|ab",
                "ab|abc",
            })
    void patternsDoNotMatch(String pattern, String s) {
        assertThat(Glob.matches(pattern, s, false)).isFalse();
    }

    @Test
    void caseFoldingIsOptional() {
        assertThat(Glob.matches("SAVE", "save", true)).isTrue();
        assertThat(Glob.matches("S[A-C]ve", "save", true)).isTrue();
        assertThat(Glob.matches("SAVE", "save", false)).isFalse();
    }

    @Test
    void aPatternOfManyStarsAgainstALongStringFinishesQuickly() {
        String pattern = "a*".repeat(40) + "b";
        String s = "a".repeat(200);
        long start = System.nanoTime();
        assertThat(Glob.matches(pattern, s, false)).isFalse();
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }

    @Test
    void bytesAboveAsciiCompareAsTheyAre() {
        byte[] pattern = {'k', '?', (byte) 0xff};
        byte[] key = {'k', (byte) 0x80, (byte) 0xff};
        assertThat(Glob.matches(pattern, 0, pattern.length, key, 0, key.length, false))
                .isTrue();
    }
}
