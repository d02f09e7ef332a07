package io.qtune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell line into commands and words as virsh's interactive shell does: blanks separate
 * words, ';' separates commands, '#' starts a comment, single quotes are literal, double quotes
 * group and backslash escapes (except inside single quotes).
 */
final class ShellWords {
  private ShellWords() {}

  /** The commands on {@code line}, each as its words; empty commands are dropped. */
  static List<List<String>> parse(String line) {
    List<List<String>> commands = new ArrayList<>();
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    boolean single = false;
    boolean dbl = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (!single && !dbl) {
        if (c == ' ' || c == '\t') {
          w = flush(words, w);
          continue;
        }
        if (c == ';') {
          w = flush(words, w);
          commands = add(commands, words);
          words = new ArrayList<>();
          continue;
        }
        if (c == '#' && w == null) {
          break;
        }
      }
      if (w == null) {
        w = new StringBuilder();
      }
      if (c == '\'' && !dbl) {
        single = !single;
      } else if (c == '"' && !single) {
        dbl = !dbl;
      } else if (c == '\\' && !single) {
        if (++i >= line.length()) {
          throw new BadInputException("dangling \\");
        }
        w.append(line.charAt(i));
      } else {
        w.append(c);
      }
    }
    if (single || dbl) {
      throw new BadInputException("missing " + (single ? "'" : "\""));
    }
    flush(words, w);
    return add(commands, words);
  }

  private static StringBuilder flush(List<String> words, StringBuilder w) {
    if (w != null) {
      words.add(w.toString());
    }
    return null;
  }

  private static List<List<String>> add(List<List<String>> commands, List<String> words) {
    if (!words.isEmpty()) {
      commands.add(List.copyOf(words));
    }
    return commands;
  }
}
