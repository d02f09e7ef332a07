package io.qtune.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * virsh's table layout (vshTable): every cell starts with a space, columns are padded to their
 * widest cell plus two spaces (the last is not padded), and the header is underlined with
 * {@code width + 3} dashes per column.
 */
final class VshTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  VshTable(String... header) {
    this.header = List.of(header);
  }

  VshTable row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + header.size());
    }
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(String.valueOf(c));
    }
    rows.add(r);
    return this;
  }

  /** The table; without the header and the dashes when {@code withHeader} is false (virsh -q). */
  String render(boolean withHeader) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = withHeader ? header.get(i).length() : 0;
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    if (withHeader) {
      line(sb, header, widths);
      for (int w : widths) {
        sb.append("-".repeat(w + 3));
      }
      sb.append('\n');
    }
    for (List<String> r : rows) {
      line(sb, r, widths);
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> cells, int[] widths) {
    for (int i = 0; i < cells.size(); i++) {
      sb.append(' ').append(cells.get(i));
      if (i < cells.size() - 1) {
        sb.append(" ".repeat(widths[i] - cells.get(i).length() + 2));
      }
    }
    sb.append('\n');
  }
}
