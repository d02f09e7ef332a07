package io.qtune.core;

import java.nio.charset.StandardCharsets;

/**
 * The one check every VM name passes before qtune derives anything from it (state record, QMP
 * socket, log, machine name). libvirt's rule: no {@code /} (domain_validate.c refuses it, as names
 * become file names) and no control characters (virXMLCheckIllegalChars). qtune also refuses a
 * leading {@code .} (its state directory keeps temp and lock files as dot files) and more than
 * 200 bytes (a file name holds 255, and the suffixes must fit).
 */
public final class VmName {
  /** The most UTF-8 bytes a name may have. */
  public static final int MAX_BYTES = 200;

  private VmName() {}

  /**
   * {@code name} if it is usable, else an {@link InvalidInputException} that names the origin
   * (the spec, QEMU's -name, a cgroup; null where the caller cannot tell) and the rule broken.
   */
  public static String require(String name, String origin) {
    String problem = problem(name);
    if (problem != null) {
      throw new InvalidInputException("VM name " + quote(name) + (origin == null ? "" : " from " + origin)
          + " " + problem);
    }
    return name;
  }

  /** What is wrong with {@code name}, or null. */
  public static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "is empty";
    }
    if (name.indexOf('/') >= 0) {
      return "cannot contain '/'";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        return "cannot contain control characters (found U+" + String.format("%04X", (int) c) + ")";
      }
    }
    if (name.startsWith(".")) {
      return "cannot start with '.'";
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      return "is " + bytes + " bytes long; at most " + MAX_BYTES + " are allowed";
    }
    return null;
  }

  /** The name for an error message, control characters shown escaped. */
  public static String quote(String name) {
    if (name == null) {
      return "(none)";
    }
    StringBuilder sb = new StringBuilder("'");
    String shown = name.length() > 80 ? name.substring(0, 80) + "..." : name;
    for (char c : shown.toCharArray()) {
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.append('\'').toString();
  }
}
