package io.qtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellWordsTest {
  @Test
  void splitsWordsAndCommands() {
    assertEquals(List.of(List.of("vcpupin", "0", "1"), List.of("vcpuinfo")),
        ShellWords.parse("  vcpupin 0\t1 ; vcpuinfo;"));
  }

  @Test
  void quotesAndEscapes() {
    assertEquals(List.of(List.of("attach-disk", "/tmp/a b.img", "vdb", "x;y", "it's")),
        ShellWords.parse("attach-disk '/tmp/a b.img' vdb \"x;y\" it\\'s"));
  }

  @Test
  void commentsAndBlankLines() {
    assertEquals(List.of(), ShellWords.parse("   # nothing"));
    assertEquals(List.of(List.of("ps")), ShellWords.parse("ps # threads"));
    assertEquals(List.of(List.of("a#b")), ShellWords.parse("a#b"));
  }

  @Test
  void unbalancedQuoteIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class, () -> ShellWords.parse("vcpupin \"0"));
    assertEquals("missing \"", e.getMessage());
  }
}
