package io.qtune.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text format 0.0.4, written from the format's description:
 * every line is {@code # HELP name text}, {@code # TYPE name type} or {@code name{labels} value};
 * names and label names are legal, every family's TYPE is declared once and before its samples,
 * a family's samples are contiguous, values are numbers. Anything else fails the parse.
 */
final class Exposition {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

  final List<Sample> samples = new ArrayList<>();
  final Map<String, String> types = new LinkedHashMap<>();

  static Exposition parse(String text) {
    Exposition e = new Exposition();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition must end with a newline");
    }
    Set<String> helps = new HashSet<>();
    Set<String> closed = new HashSet<>();
    String current = null;
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty() && n == text.split("\n", -1).length) {
        break;
      }
      Matcher m;
      if ((m = HELP.matcher(line)).matches()) {
        if (!helps.add(m.group(1))) {
          throw new AssertionError("line " + n + ": second HELP for " + m.group(1));
        }
        current = enter(current, m.group(1), closed, n);
      } else if ((m = TYPE.matcher(line)).matches()) {
        if (e.types.put(m.group(1), m.group(2)) != null) {
          throw new AssertionError("line " + n + ": second TYPE for " + m.group(1));
        }
        current = enter(current, m.group(1), closed, n);
      } else if (line.startsWith("#")) {
        throw new AssertionError("line " + n + ": a comment that is neither HELP nor TYPE: " + line);
      } else if ((m = SAMPLE.matcher(line)).matches()) {
        String family = e.familyOf(m.group(1))
            .orElseThrow(() -> new AssertionError("sample of an undeclared family: " + line));
        if (!family.equals(current)) {
          throw new AssertionError("line " + n + ": sample of " + family + " outside its family block: " + line);
        }
        e.samples.add(new Sample(m.group(1), labels(m.group(3), line), value(m.group(4), line)));
      } else {
        throw new AssertionError("line " + n + ": not a comment or a sample: '" + line + "'");
      }
    }
    return e;
  }

  private static String enter(String current, String family, Set<String> closed, int n) {
    if (!family.equals(current)) {
      if (closed.contains(family)) {
        throw new AssertionError("line " + n + ": family " + family + " appears in two blocks");
      }
      if (current != null) {
        closed.add(current);
      }
    }
    return family;
  }

  /** The declared family a sample name belongs to: itself, or a histogram/summary/counter part. */
  private Optional<String> familyOf(String sample) {
    if (types.containsKey(sample)) {
      return Optional.of(sample);
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if (types.containsKey(base)) {
          return Optional.of(base);
        }
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> labels(String text, String line) {
    Map<String, String> out = new HashMap<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    Matcher m = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new AssertionError("bad labels in: " + line);
      }
      if (out.put(m.group(1), m.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\")) != null) {
        throw new AssertionError("label " + m.group(1) + " twice in: " + line);
      }
      at = m.end();
      if (at < text.length()) {
        if (text.charAt(at) != ',') {
          throw new AssertionError("expected ',' between labels in: " + line);
        }
        at++;
      }
    }
    return out;
  }

  private static double value(String v, String line) {
    switch (v) {
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      case "NaN":
        return Double.NaN;
      default:
        if (!NUMBER.matcher(v).matches()) {
          throw new AssertionError("value is not a number in: " + line);
        }
        try {
          return Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new AssertionError("value is not a number in: " + line);
        }
    }
  }

  /** Samples named {@code name} whose labels include every given one. */
  List<Sample> find(String name, Map<String, String> labels) {
    return samples.stream().filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
  }

  /** The one sample named {@code name} with exactly these labels. */
  Sample one(String name, Map<String, String> labels) {
    List<Sample> l = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
    if (l.size() != 1) {
      throw new AssertionError("expected one " + name + labels + ", found " + l.size());
    }
    return l.get(0);
  }
}
