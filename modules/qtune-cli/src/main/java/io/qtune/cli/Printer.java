package io.qtune.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;

/**
 * Where a command's result goes: virsh's text (followed by the blank line virsh prints after
 * every command, unless {@code -q}) or one line of JSON.
 */
final class Printer {
  private static ObjectMapper mapper;

  private final PrintStream out;
  private final boolean json;
  private final boolean quiet;

  Printer(PrintStream out, boolean json, boolean quiet) {
    this.out = out;
    this.json = json;
    this.quiet = quiet;
  }

  boolean json() {
    return json;
  }

  boolean quiet() {
    return quiet;
  }

  /** virsh's output of one command: {@code text} (may be empty) and the trailing blank line. */
  void text(String text) {
    out.print(text);
    if (!quiet) {
      out.print('\n');
    }
    out.flush();
  }

  /** A JSON document (maps, lists, numbers, strings) on one line. */
  void json(Object tree) {
    try {
      out.println(mapper().writeValueAsString(tree));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
    }
    out.flush();
  }

  /** Text or JSON, whichever was asked for; the other is not computed. */
  void result(java.util.function.Supplier<String> text, java.util.function.Supplier<Object> tree) {
    if (json) {
      json(tree.get());
    } else {
      text(text.get());
    }
  }

  // made on first use: Jackson costs start-up time that text output does not need
  private static synchronized ObjectMapper mapper() {
    if (mapper == null) {
      mapper = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);
    }
    return mapper;
  }
}
